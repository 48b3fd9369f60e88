"""Send pacing: minimum gap, cap per minute, stored fields and defaults."""

from __future__ import annotations

from wagate_worker.sessions.pacing import PacingPolicy, SendPacer

OFF = PacingPolicy(min_gap_seconds=0, per_minute=0)


def test_unpaced_sends_at_once() -> None:
    pacer = SendPacer(OFF)
    pacer.record(10.0)

    assert pacer.next_allowed(10.0) == 10.0


def test_min_gap_after_last_send() -> None:
    pacer = SendPacer(PacingPolicy(min_gap_seconds=2, per_minute=0))
    pacer.record(10.0)

    assert pacer.next_allowed(10.5) == 12.0
    assert pacer.next_allowed(13.0) == 13.0


def test_cap_waits_for_window() -> None:
    pacer = SendPacer(PacingPolicy(min_gap_seconds=0, per_minute=3))
    for moment in (10.0, 11.0, 12.0):
        pacer.record(moment)

    assert pacer.next_allowed(12.0) == 70.0
    assert pacer.next_allowed(70.0) == 70.0


def test_stored_fields_override_default() -> None:
    default = PacingPolicy(min_gap_seconds=1, per_minute=20)

    policy = PacingPolicy.of({"minGapMs": 250}, default)

    assert policy == PacingPolicy(min_gap_seconds=0.25, per_minute=20)


def test_missing_field_takes_default() -> None:
    default = PacingPolicy(min_gap_seconds=1, per_minute=20)

    assert PacingPolicy.of(None, default) == default
    assert PacingPolicy.of({"minGapMs": None, "perMinute": 5}, default).per_minute == 5

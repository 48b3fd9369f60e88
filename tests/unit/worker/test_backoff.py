"""Backoff delays: doubling, the cap and jitter."""

from __future__ import annotations

import pytest

from wagate_worker.sessions.backoff import BackoffPolicy, apply_jitter, capped_delay


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(0, 1.0), (1, 2.0), (2, 4.0), (5, 30.0), (1000, 30.0), (-3, 1.0)],
)
def test_delay_doubles_up_to_cap(attempt: int, expected: float) -> None:
    assert capped_delay(attempt, base=1.0, maximum=30.0) == expected


def test_jitter_takes_off_at_most_its_fraction() -> None:
    assert apply_jitter(10.0, 0.2, lambda: 0.0) == 10.0
    assert apply_jitter(10.0, 0.2, lambda: 0.5) == 9.0
    assert apply_jitter(10.0, 0.2, lambda: 0.999) > 8.0


def test_policy_without_jitter_is_exact() -> None:
    policy = BackoffPolicy(base=0.5, maximum=4.0)

    delays = [policy.delay(attempt) for attempt in range(6)]

    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_policy_jitter_stays_in_range() -> None:
    policy = BackoffPolicy(base=1.0, maximum=60.0, jitter=0.3)

    delays = [policy.delay(3) for _ in range(200)]

    assert all(5.6 <= delay <= 8.0 for delay in delays)
    assert len(set(delays)) > 1

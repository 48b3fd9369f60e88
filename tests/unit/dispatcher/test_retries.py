"""The retry schedule and the delivery job's headers."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from wagate_dispatcher.errors import InvalidJobError
from wagate_dispatcher.jobs import DeliveryJob, parse_job
from wagate_dispatcher.retries import RetrySchedule, schedule_header
from wagate_dispatcher.settings import DispatcherSettings

NOW = datetime(2026, 12, 4, 12, 0, 0, 250000, tzinfo=UTC)


def test_schedule_counts_attempts() -> None:
    schedule = RetrySchedule((5.0, 30.0))

    assert schedule.max_attempts == 3
    assert schedule.has_retry_after(1)
    assert schedule.has_retry_after(2)
    assert not schedule.has_retry_after(3)


def test_empty_schedule_never_retries() -> None:
    assert not RetrySchedule(()).has_retry_after(1)


def test_jitter_only_lengthens_delays() -> None:
    schedule = RetrySchedule((10.0, 100.0), random.Random(7))

    delays = [schedule.delay_after(2) for _ in range(200)]

    assert min(delays) >= 100.0
    assert max(delays) < 120.0


def test_retry_time_rounded_up_to_second() -> None:
    schedule = RetrySchedule((0.0,))

    due = schedule.retry_at(1, NOW)

    assert due == datetime(2026, 12, 4, 12, 0, 1, tzinfo=UTC)
    assert schedule_header(due) == "@at 2026-12-04T12:00:01Z"


def test_default_schedule_spans_a_day() -> None:
    delays = DispatcherSettings().webhook_retry_schedule

    assert len(delays) + 1 >= 10
    assert sum(delays) >= 24 * 3600


def test_schedule_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGATE_WEBHOOK_RETRY_SCHEDULE", "1, 2.5,60")

    assert DispatcherSettings().webhook_retry_schedule == (1.0, 2.5, 60.0)


def test_negative_delay_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGATE_WEBHOOK_RETRY_SCHEDULE", "5,-1")

    with pytest.raises(ValueError, match="zero or more"):
        DispatcherSettings()


def test_job_survives_headers_round_trip() -> None:
    job = DeliveryJob(
        id="job_1",
        event_id="evt_1",
        webhook_id="wh_1",
        session_id="s1",
        attempt=1,
        first_attempt_at="2026-12-04T12:00:00.000Z",
        body=b'{"id":"evt_1"}',
    )
    retry = job.next_attempt("HTTP 500\r\nInjected: header")

    parsed = parse_job(retry.headers(), retry.body)

    assert parsed.attempt == 2
    assert parsed.last_error == "HTTP 500 Injected: header"
    assert parsed.body == job.body
    assert parsed.event_id == "evt_1"
    assert parsed.subject == "wagate.dlv.wh_1"


def test_job_without_headers_invalid() -> None:
    with pytest.raises(InvalidJobError, match="missing header"):
        parse_job(None, b"{}")

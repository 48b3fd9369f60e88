"""Token buckets: burst, refill, per-replica share."""

from __future__ import annotations

import pytest

from wagate_api.security.ratelimit import RateLimit, RateLimiter, retry_after_header


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr("wagate_api.security.ratelimit.time.monotonic", fake)
    return fake


def test_burst_then_refused(clock: _Clock) -> None:
    limiter = RateLimiter(replicas=1)
    limit = RateLimit(per_minute=60, burst=3)

    waits = [limiter.acquire("k", limit) for _ in range(4)]

    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(1.0)


def test_refills_at_rate(clock: _Clock) -> None:
    limiter = RateLimiter(replicas=1)
    limit = RateLimit(per_minute=60, burst=1)
    limiter.acquire("k", limit)

    clock.now += 1.0

    assert limiter.acquire("k", limit) == 0.0


def test_replicas_share_budget(clock: _Clock) -> None:
    limiter = RateLimiter(replicas=2)
    limit = RateLimit(per_minute=60, burst=4)

    waits = [limiter.acquire("k", limit) for _ in range(3)]

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(2.0)


def test_keys_have_own_buckets(clock: _Clock) -> None:
    limiter = RateLimiter(replicas=1)
    limit = RateLimit(per_minute=60, burst=1)
    limiter.acquire("a", limit)

    assert limiter.acquire("b", limit) == 0.0


def test_retry_after_rounds_up() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(1.2) == "2"

"""The backoff schedule of failed deliveries."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

# Each delay is stretched by a random factor in [1, 1 + JITTER), so retries of
# one outage spread out, and the schedule never gets shorter than configured.
JITTER = 0.2


class RetrySchedule:
    """Delays before each retry; attempt ``n`` fails for good after ``len + 1`` tries."""

    def __init__(self, delays: Sequence[float], rng: random.Random | None = None) -> None:
        self._delays = tuple(delays)
        self._rng = rng or random.Random()

    @property
    def max_attempts(self) -> int:
        """Attempts in all: the first one and one per delay."""
        return len(self._delays) + 1

    def has_retry_after(self, attempt: int) -> bool:
        """Check whether attempt ``attempt`` (from 1) may be followed by another."""
        return attempt < self.max_attempts

    def delay_after(self, attempt: int) -> float:
        """Return the jittered delay in seconds after attempt ``attempt`` failed."""
        base = self._delays[attempt - 1]
        return base * (1 + JITTER * self._rng.random())

    def retry_at(self, attempt: int, now: datetime | None = None) -> datetime:
        """Return when the retry after ``attempt`` is due, rounded up to a second.

        JetStream schedules have a resolution of one second; rounding up keeps
        every delay at least as long as configured.
        """
        moment = (now or datetime.now(UTC)) + timedelta(seconds=self.delay_after(attempt))
        whole = math.ceil(moment.timestamp())
        return datetime.fromtimestamp(whole, UTC)


def schedule_header(moment: datetime) -> str:
    """Return the ``Nats-Schedule`` value that fires once at ``moment``."""
    return "@at " + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

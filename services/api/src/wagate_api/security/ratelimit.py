"""Per-key token buckets, counted in each api process."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """A budget: ``per_minute`` requests on average, ``burst`` at once."""

    per_minute: int
    burst: int


@dataclass
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """Token buckets keyed by API key id, each a share of the key's budget.

    Every replica counts on its own, with the budget divided by the number of
    replicas, so a request costs no broker or database round trip.
    """

    def __init__(self, replicas: int) -> None:
        self._replicas = replicas
        # One bucket per key that authenticated, so the map is bounded by the keys.
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key_id: str, limit: RateLimit) -> float:
        """Take one token and return 0, or return the seconds until one is available."""
        rate = limit.per_minute / 60 / self._replicas
        capacity = max(1.0, limit.burst / self._replicas)
        now = time.monotonic()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(capacity, now)

        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated_at) * rate)
        bucket.updated_at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate


def retry_after_header(seconds: float) -> str:
    """Format a wait as ``Retry-After`` whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))

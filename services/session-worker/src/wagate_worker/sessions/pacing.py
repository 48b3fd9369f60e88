"""Send pacing of one session: a minimum gap and a cap per minute between sends."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class PacingPolicy:
    """``min_gap_seconds`` between two sends, at most ``per_minute`` in any 60 s.

    Zero turns the corresponding limit off.
    """

    min_gap_seconds: float
    per_minute: int

    @classmethod
    def of(cls, stored: Any, default: PacingPolicy) -> PacingPolicy:
        """Read a session's ``sendPacing`` field; missing parts take ``default``."""
        if not isinstance(stored, dict):
            return default
        min_gap_ms = stored.get("minGapMs")
        per_minute = stored.get("perMinute")
        return cls(
            default.min_gap_seconds if min_gap_ms is None else min_gap_ms / 1000,
            default.per_minute if per_minute is None else int(per_minute),
        )


class SendPacer:
    """Recent sends of one session, and the time at which the next may start."""

    def __init__(self, policy: PacingPolicy) -> None:
        self.policy = policy
        self._recent: deque[float] = deque()

    def next_allowed(self, now: float) -> float:
        """Return the monotonic time at which the next send may start."""
        while self._recent and self._recent[0] <= now - WINDOW_SECONDS:
            self._recent.popleft()
        allowed = now
        if self._recent and self.policy.min_gap_seconds > 0:
            allowed = max(allowed, self._recent[-1] + self.policy.min_gap_seconds)
        per_minute = self.policy.per_minute
        if per_minute > 0 and len(self._recent) >= per_minute:
            allowed = max(allowed, self._recent[-per_minute] + WINDOW_SECONDS)
        return allowed

    def record(self, sent_at: float) -> None:
        """Note a send that started at ``sent_at``."""
        self._recent.append(sent_at)

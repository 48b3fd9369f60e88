"""Timers of a session: the next reconnect, the next look at held sends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from wagate_worker.sessions.backoff import BackoffPolicy


class Timer:
    """Calls ``callback`` once at a given time; a pending call can be moved earlier."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None
        self._due: float | None = None

    @property
    def is_pending(self) -> bool:
        """Whether a call is scheduled and has not run yet."""
        return self._handle is not None

    def schedule_at(self, due: float) -> None:
        """Call back at ``due`` (a ``time.monotonic()`` value) unless due sooner."""
        if self._due is not None and self._due <= due:
            return
        self.cancel()
        delay = max(due - time.monotonic(), 0.0)
        self._handle = asyncio.get_running_loop().call_later(delay, self._fire)
        self._due = due

    def cancel(self) -> None:
        """Drop the pending call, if any."""
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._due = None

    def _fire(self) -> None:
        self._handle = None
        self._due = None
        self._callback()


class ReconnectSchedule:
    """Times reconnect attempts: each failure in a row doubles the wait."""

    def __init__(self, policy: BackoffPolicy, reconnect: Callable[[], None]) -> None:
        self._policy = policy
        self._timer = Timer(reconnect)
        self.failures = 0

    def schedule(self) -> float | None:
        """Schedule the next attempt; return its delay, or None if one is pending."""
        if self._timer.is_pending:
            return None
        delay = self._policy.delay(self.failures)
        self.failures += 1
        self._timer.schedule_at(time.monotonic() + delay)
        return delay

    def reset(self) -> None:
        """Forget past failures: the session connected, or the user requested it."""
        self.failures = 0
        self._timer.cancel()

    def cancel(self) -> None:
        """Drop the pending attempt and keep the failure count."""
        self._timer.cancel()

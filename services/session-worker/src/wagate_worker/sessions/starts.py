"""Pacing session starts, and keeping sessions that crash their worker apart.

A Go panic inside neonize ends the whole worker process, so a session whose
start triggers one would crash every worker that claims its shard, for ever.
Each start is therefore counted in the session's record before the driver is
asked to connect, and the count is reset once the driver reports any outcome.
A count left behind means the worker died during that start:

- a session with one unfinished start (a *suspect*) starts again, but alone:
  no other start runs at the same time, so a second crash is its own;
- a session with :data:`QUARANTINE_AFTER` unfinished starts in a row is not
  started again; it is marked ``failed`` with the reason, until someone asks
  to connect it (which resets the count).

All starts also pass a worker-wide gate that lets through at most
``per_second`` starts a second and ``concurrency`` at a time, so that after a
restart hundreds of sessions come back gradually rather than all at once.
"""

from __future__ import annotations

import asyncio
import logging
import time

logger = logging.getLogger(__name__)

QUARANTINE_AFTER = 2


def quarantine_reason(crashes: int) -> str:
    """The ``lastError`` of a quarantined session."""
    return (
        f"quarantined: starting this session stopped its worker {crashes} times in "
        "a row (probably a crash inside the WhatsApp library); connect it again to "
        "retry"
    )


class StartTicket:
    """A place in the gate, held until the start reports an outcome.

    Released at the latest after ``hold_seconds``, so that a start that never
    reports cannot close the gate for everyone.
    """

    def __init__(self, gate: StartGate, exclusive: bool, hold_seconds: float) -> None:
        self.exclusive = exclusive
        self._gate = gate
        self._released = False
        self._timer = asyncio.get_running_loop().call_later(hold_seconds, self.release)

    def release(self) -> None:
        """Give the place back; calling it again does nothing."""
        if self._released:
            return
        self._released = True
        self._timer.cancel()
        self._gate.release(self)


class StartGate:
    """Paces the driver starts of one worker and runs suspects alone."""

    def __init__(self, per_second: float, concurrency: int, hold_seconds: float) -> None:
        self._interval = 1.0 / per_second
        self._concurrency = concurrency
        self._hold_seconds = hold_seconds
        self._next_at = 0.0
        self._running = 0
        self._exclusive_running = False
        self._exclusive_waiting = 0
        self._changed = asyncio.Condition()
        self._notifications: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        """Starts holding a place now."""
        return self._running

    async def acquire(self, exclusive: bool) -> StartTicket:
        """Wait for a place, and for the start rate; ``exclusive`` waits to be alone."""
        async with self._changed:
            if exclusive:
                self._exclusive_waiting += 1
                try:
                    await self._changed.wait_for(
                        lambda: self._running == 0 and not self._exclusive_running
                    )
                finally:
                    self._exclusive_waiting -= 1
                self._exclusive_running = True
            else:
                # Waiting suspects go first, or a steady flow of ordinary starts
                # could keep them waiting for ever.
                await self._changed.wait_for(
                    lambda: (
                        not self._exclusive_running
                        and self._exclusive_waiting == 0
                        and self._running < self._concurrency
                    )
                )
            self._running += 1
            delay = self._reserve_slot()

        if delay > 0:
            await asyncio.sleep(delay)
        return StartTicket(self, exclusive, self._hold_seconds)

    def release(self, ticket: StartTicket) -> None:
        """Called by :meth:`StartTicket.release`."""
        self._running -= 1
        if ticket.exclusive:
            self._exclusive_running = False
        task = asyncio.get_running_loop().create_task(self._notify())
        self._notifications.add(task)
        task.add_done_callback(self._notifications.discard)

    def _reserve_slot(self) -> float:
        """Take the next start time of the rate; return how long to wait for it."""
        now = time.monotonic()
        start_at = max(now, self._next_at)
        self._next_at = start_at + self._interval
        return start_at - now

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

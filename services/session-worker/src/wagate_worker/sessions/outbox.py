"""The sends of one session that have not gone out yet, in command order."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from wagate_common.schemas.commands import SendCommand
from wagate_worker.commands.delivery import CommandDelivery
from wagate_worker.drivers.base import OutgoingMessage, SendResult


class AttemptOutcome(Enum):
    """Result of one attempt at the first send of an outbox."""

    DONE = "done"  # settled: sent, failed for good or skipped
    NOT_CONNECTED = "not_connected"  # wait until the session connects
    RETRY = "retry"  # try again at the send's ``retry_at``


@dataclass
class PendingSend:
    """A send command not settled yet.

    ``outgoing`` keeps the message with its media once resolved, so that a
    retry does not read or fetch the media again. ``result`` keeps the
    driver's send result, so that a failure to record it is retried without
    sending twice.
    """

    delivery: CommandDelivery
    command: SendCommand
    held_since: float
    attempts: int = 0
    retry_at: float = 0.0
    outgoing: OutgoingMessage | None = None
    result: SendResult | None = None

    @property
    def message_id(self) -> str:
        """Our id of the message."""
        return self.command.message_id


SendAttempt = Callable[[PendingSend], Awaitable[AttemptOutcome]]


class Outbox:
    """Sends waiting for their turn; the first one blocks every later one."""

    def __init__(self) -> None:
        self._queue: deque[PendingSend] = deque()

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, pending: PendingSend) -> None:
        """Queue a send behind every earlier one."""
        self._queue.append(pending)

    def drain(self) -> list[PendingSend]:
        """Remove and return every send, oldest first."""
        sends = list(self._queue)
        self._queue.clear()
        return sends

    def take_expired(self, now: float, max_wait: float) -> list[PendingSend]:
        """Remove and return the sends queued at least ``max_wait`` seconds ago."""
        expired: list[PendingSend] = []
        while self._queue and self._queue[0].held_since + max_wait <= now:
            expired.append(self._queue.popleft())
        return expired

    async def flush(
        self, attempt: SendAttempt, is_connected: Callable[[], bool], now: float
    ) -> None:
        """Send in order until the outbox is empty or its first send must wait."""
        while self._queue and is_connected():
            first = self._queue[0]
            if first.retry_at > now:
                return
            if await attempt(first) is not AttemptOutcome.DONE:
                return
            self._queue.popleft()

    def next_wake(self, now: float, connected: bool, max_wait: float) -> float | None:
        """Return when the outbox next needs attention without a new event, or None.

        That is when its oldest send expires, or, while connected, when the
        first send's retry is due.
        """
        if not self._queue:
            return None
        first = self._queue[0]
        wake = first.held_since + max_wait
        if connected and first.retry_at > now:
            wake = min(wake, first.retry_at)
        return wake

"""A session's sends: accepted in command order, held until they can go out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from wagate_common.schemas.commands import SendCommand
from wagate_worker.commands.delivery import CommandDelivery
from wagate_worker.drivers.base import SessionDriver
from wagate_worker.sessions.context import RuntimeContext
from wagate_worker.sessions.outbox import AttemptOutcome, Outbox, PendingSend
from wagate_worker.sessions.sending import MessageSender
from wagate_worker.sessions.timers import Timer

logger = logging.getLogger(__name__)

# A send whose failure could not be recorded is delivered again after this delay.
FAIL_RETRY_DELAY_SECONDS = 5.0


class SendQueue:
    """Holds a session's sends until it is connected, then sends them in order.

    Every method runs in the session's lane. When a held send needs another
    look without a new event (a retry falls due, or the oldest send expires),
    the queue calls ``wake``, which queues a flush in the lane.
    """

    def __init__(
        self, context: RuntimeContext, session_id: str, wake: Callable[[], None]
    ) -> None:
        self._sender = MessageSender(context, session_id)
        self._outbox = Outbox()
        self._timer = Timer(wake)
        self._max_wait = context.settings.held_send_seconds

    def __len__(self) -> int:
        return len(self._outbox)

    async def accept(
        self,
        delivery: CommandDelivery,
        command: SendCommand,
        driver: SessionDriver | None,
        is_connected: Callable[[], bool],
    ) -> None:
        """Queue a send behind the earlier ones and send what can go out now."""
        pending = PendingSend(delivery, command, held_since=time.monotonic())
        if not is_connected():
            # A redelivered send that already went out must not wait for a connection.
            if await self._sender.skip_if_settled(pending):
                return
            logger.info("send held until the session connects", extra=delivery.describe())
        self._outbox.add(pending)
        await self.flush(driver, is_connected)

    async def reject(
        self, delivery: CommandDelivery, command: SendCommand, reason: str
    ) -> None:
        """Fail a send at once, without queueing it."""
        pending = PendingSend(delivery, command, held_since=time.monotonic())
        await self._fail([pending], reason)

    async def flush(
        self, driver: SessionDriver | None, is_connected: Callable[[], bool]
    ) -> None:
        """Fail the expired sends, then send in order while the session is connected."""
        expired = self._outbox.take_expired(time.monotonic(), self._max_wait)
        await self._fail(
            expired, f"the session did not connect within {self._max_wait:g} s"
        )

        if driver is not None:

            async def attempt(pending: PendingSend) -> AttemptOutcome:
                return await self._sender.attempt(pending, driver)

            await self._outbox.flush(attempt, is_connected, time.monotonic())
        self._schedule_wake(is_connected())

    async def fail_all(self, reason: str) -> None:
        """Fail every held send: the session cannot send without the user."""
        self._timer.cancel()
        await self._fail(self._outbox.drain(), reason)

    def take_deliveries(self) -> list[CommandDelivery]:
        """Remove every held send and return its command, to hand back to the stream."""
        self._timer.cancel()
        return [pending.delivery for pending in self._outbox.drain()]

    def cancel_wake(self) -> None:
        """Drop the pending wake-up, if any."""
        self._timer.cancel()

    def _schedule_wake(self, connected: bool) -> None:
        wake = self._outbox.next_wake(time.monotonic(), connected, self._max_wait)
        if wake is None:
            self._timer.cancel()
        else:
            self._timer.schedule_at(wake)

    async def _fail(self, sends: list[PendingSend], reason: str) -> None:
        for pending in sends:
            try:
                await self._sender.fail(pending, reason)
            except Exception:
                logger.exception(
                    "recording a send failure failed; the command comes back later",
                    extra=pending.delivery.describe(),
                )
                await pending.delivery.nak("error", delay=FAIL_RETRY_DELAY_SECONDS)

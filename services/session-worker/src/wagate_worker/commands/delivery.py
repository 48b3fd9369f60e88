"""One command taken off the stream and not settled yet."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from wagate_common.schemas.commands import Command
from wagate_worker.metrics import COMMANDS_HANDLED

logger = logging.getLogger(__name__)


class CommandDelivery:
    """A parsed command and the JetStream message that carries it.

    Exactly one of :meth:`ack`, :meth:`nak` or :meth:`term` settles it; each
    counts the command under an outcome label. A settle that cannot reach the
    broker is logged: the command is then delivered again, and every handler
    copes with that (a send checks its record first).
    """

    def __init__(
        self,
        msg: Msg,
        command: Command,
        on_settled: Callable[[CommandDelivery], None],
    ) -> None:
        self._msg = msg
        self.command = command
        self.sequence = msg.metadata.sequence.stream
        self._on_settled = on_settled
        self.is_settled = False

    @property
    def session_id(self) -> str:
        """The session the command is for."""
        return self.command.session_id

    def redelivered(self, msg: Msg) -> None:
        """Settle through ``msg`` from now on: JetStream delivered the command again."""
        self._msg = msg

    async def ack(self, outcome: str) -> None:
        """Remove the command from the stream: its outcome is recorded."""
        await self._settle(self._msg.ack, outcome)

    async def nak(self, outcome: str, delay: float | None = None) -> None:
        """Have JetStream deliver the command again, after ``delay`` seconds."""

        async def nak() -> None:
            await self._msg.nak(delay=delay)

        await self._settle(nak, outcome)

    async def term(self, outcome: str) -> None:
        """Drop the command for good without handling it."""
        await self._settle(self._msg.term, outcome)

    async def in_progress(self) -> None:
        """Push back the redelivery deadline of a command still being worked on."""
        if self.is_settled:
            return
        try:
            await self._msg.in_progress()
        except NatsError as error:
            logger.warning(
                "command progress not reported",
                extra={**self.describe(), "error": repr(error)},
            )

    def describe(self) -> dict[str, object]:
        """Log fields naming this command."""
        return {
            "session_id": self.session_id,
            "command_id": self.command.id,
            "command_type": self.command.type,
            "stream_sequence": self.sequence,
        }

    async def _settle(self, action: Callable[[], Awaitable[None]], outcome: str) -> None:
        if self.is_settled:
            return
        self.is_settled = True
        self._on_settled(self)
        COMMANDS_HANDLED.labels(type=self.command.type, outcome=outcome).inc()
        try:
            await action()
        except NatsError as error:
            logger.warning(
                "command settle failed; it will be delivered again",
                extra={**self.describe(), "outcome": outcome, "error": repr(error)},
            )

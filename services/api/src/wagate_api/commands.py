"""Queueing commands for the session workers."""

from __future__ import annotations

import logging

from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.schemas.commands import CommandBase
from wagate_common.shards import shard_of

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0


class CommandPublisher:
    """Publishes commands on the COMMANDS stream, one subject per shard and session."""

    def __init__(self, js: JetStreamContext, shards: int) -> None:
        self._js = js
        self._shards = shards

    async def publish(self, command: CommandBase) -> None:
        """Store a command in JetStream; its id de-duplicates a retried publish.

        Raises:
            WagateError: 503 when the broker did not store it.
        """
        subject = subjects.command(
            shard_of(command.session_id, self._shards), command.session_id
        )
        try:
            await self._js.publish(
                subject,
                command.to_wire(),
                timeout=PUBLISH_TIMEOUT_SECONDS,
                headers={"Nats-Msg-Id": command.id},
            )
        except (NatsError, TimeoutError) as error:
            logger.warning(
                "command publish failed",
                extra={
                    "session_id": command.session_id,
                    "command_id": command.id,
                    "error": repr(error),
                },
            )
            raise WagateError(
                503, ErrorCode.NOT_READY, "the message broker is unavailable; try again"
            ) from error

    async def purge_session(self, session_id: str) -> None:
        """Drop every queued command of a session (it is being deleted)."""
        subject = subjects.command(shard_of(session_id, self._shards), session_id)
        await self._js.purge_stream(subjects.COMMANDS_STREAM, subject=subject)

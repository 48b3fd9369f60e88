"""Helpers of the message tests: queued commands, stored media, seeded messages
and a stand-in worker that responds to live requests on real NATS."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.errors import NotFoundError

from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.replies import Reply, ReplyError
from wagate_common.shards import shard_of
from wagate_common.storage.database import Document
from wagate_common.storage.messages import MessageRepository
from wagate_common.storage.received import ReceivedRepository

SHARDS = 8
MEDIA_STREAM = f"OBJ_{subjects.MEDIA_BUCKET}"


async def last_command(infra: Infrastructure, session_id: str) -> dict[str, Any]:
    """Return the last command queued for a session, decoded."""
    stored = await infra.js.get_last_msg(
        subjects.COMMANDS_STREAM,
        subjects.command(shard_of(session_id, SHARDS), session_id),
    )
    command: dict[str, Any] = json.loads(stored.data or b"")
    return command


async def stored_objects(infra: Infrastructure) -> int:
    """Return how many messages the media bucket's stream contains (0 when empty)."""
    try:
        info = await infra.js.stream_info(MEDIA_STREAM)
    except NotFoundError:
        return 0
    return int(info.state.messages)


async def record_of(infra: Infrastructure, message_id: str) -> Document:
    """Return a message record straight from the database."""
    record = await infra.db["messages"].find_one({"_id": message_id})
    assert record is not None, message_id
    return record


async def seed_sent(
    infra: Infrastructure,
    message_id: str,
    session_id: str,
    to: str,
    content: dict[str, Any],
    wa_message_id: str | None = "WA-SENT-1",
) -> None:
    """Store a record of ours, marked sent when ``wa_message_id`` is given."""
    messages = MessageRepository(infra.db, 30)
    message_type = (
        content.get("mediaType")
        or {
            "text": "text",
            "location": "location",
            "contacts": "contact",
            "poll": "poll",
            "reaction": "reaction",
            "edit": "edit",
            "revoke": "revoke",
        }[content["kind"]]
    )
    await messages.create(message_id, session_id, to, message_type, content=content)
    if wa_message_id is not None:
        await messages.mark_sent(message_id, wa_message_id, datetime.now(UTC))


async def seed_received(
    infra: Infrastructure,
    session_id: str,
    wa_message_id: str,
    *,
    chat: str = "15550100009@s.whatsapp.net",
    sender: str = "15550100009@s.whatsapp.net",
    message_type: str = "text",
    data: dict[str, Any] | None = None,
    download: dict[str, Any] | None = None,
) -> None:
    """Index a received message the way the worker does."""
    received = ReceivedRepository(infra.db, 30)
    await received.record(
        session_id,
        wa_message_id,
        chat=chat,
        sender=sender,
        from_me=False,
        message_type=message_type,
        received_at=datetime.now(UTC),
        data={"waMessageId": wa_message_id, "chat": chat, "type": message_type}
        | (data or {}),
        download=download,
    )


Handler = Callable[[dict[str, Any]], Awaitable[Reply | None]]


class StandInWorker:
    """Responds to one live operation of one session; keeps every request body.

    The handler returns the reply, or None to send none (a worker that hangs).
    """

    def __init__(self, infra: Infrastructure, session_id: str, operation: str) -> None:
        self._infra = infra
        self.subject = subjects.rpc(shard_of(session_id, SHARDS), session_id, operation)
        self.requests: list[dict[str, Any]] = []
        self._subscription: Subscription | None = None

    async def start(self, handler: Handler) -> StandInWorker:
        """Subscribe and flush, so the first request already finds the responder."""

        async def respond(message: Msg) -> None:
            body: dict[str, Any] = json.loads(message.data)
            self.requests.append(body)
            reply = await handler(body)
            if reply is not None:
                await message.respond(reply.to_wire())

        self._subscription = await self._infra.nats.subscribe(self.subject, cb=respond)
        await self._infra.nats.flush()
        return self

    async def stop(self) -> None:
        """Unsubscribe."""
        if self._subscription is not None:
            await self._subscription.unsubscribe()


def ok_reply(
    data: dict[str, Any] | None = None,
) -> Callable[[dict[str, Any]], Awaitable[Reply]]:
    """Return a handler that succeeds with ``data``."""

    async def handler(_: dict[str, Any]) -> Reply:
        return Reply(ok=True, data=data or {})

    return handler


def error_reply(status: int, code: str, message: str) -> Handler:
    """Return a handler that fails with the worker's error."""

    async def handler(_: dict[str, Any]) -> Reply:
        return Reply(
            ok=False, error=ReplyError(status=status, code=code, message=message)
        )

    return handler

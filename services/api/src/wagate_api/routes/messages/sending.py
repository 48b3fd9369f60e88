"""Helpers shared by every send route: recipients, the message record and queueing."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Response

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import MessagePublic
from wagate_api.routes.live import not_connected_error
from wagate_common.broker import subjects
from wagate_common.errors import (
    InvalidRecipientError,
    WagateError,
)
from wagate_common.ids import new_id
from wagate_common.jid import InvalidJidError, normalize_jid
from wagate_common.schemas.commands import MessageContent, SendCommand
from wagate_common.schemas.sessions import SessionStatus
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("messages"))]
Wait = Annotated[bool, Query(description="Wait for the send result before returning.")]
WaitSeconds = Annotated[
    float,
    Query(alias="timeout", gt=0, le=60, description="Seconds to wait when `wait=true`."),
]
SEND_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "Sent or failed (with `wait=true`)."}
}


def require_connected_for_wait(session: Document, wait: bool) -> None:
    """Reject ``wait=true`` on a session that is not connected, before anything is stored.

    Raises:
        ConflictError: 409 ``SESSION_NOT_CONNECTED``.
    """
    if wait and session["status"] != SessionStatus.CONNECTED.value:
        raise not_connected_error(session)


@dataclass(frozen=True)
class SendOptions:
    """The query options every send route takes, and the response to set 200 on."""

    response: Response
    wait: bool
    wait_seconds: float


def _send_options(
    response: Response, wait: Wait = False, wait_seconds: WaitSeconds = 15.0
) -> SendOptions:
    return SendOptions(response, wait, wait_seconds)


Options = Annotated[SendOptions, Depends(_send_options)]


async def send_message(
    context: ApiContext,
    options: SendOptions,
    session_id: str,
    to: str,
    content: MessageContent,
    message_id: str | None = None,
) -> Envelope[MessagePublic]:
    """Store the record of a new message, queue its command, and render the record.

    ``message_id`` is given when something was stored under it already (media).
    Sets 200 on the response when ``wait`` saw the send finish; the route's
    default 202 stays otherwise.
    """
    command = SendCommand(
        session_id=session_id,
        message_id=message_id or new_id("msg"),
        to=to,
        content=content,
    )
    record = await context.messages.create(
        command.message_id,
        command.session_id,
        command.to,
        command.content.message_type,
        content=command.content.model_dump(by_alias=True, mode="json"),
    )
    outcome = await _queue(context, command, options.wait, options.wait_seconds)
    if outcome is not None:
        record = outcome
        options.response.status_code = 200
    logger.info(
        "message queued",
        extra={
            "session_id": command.session_id,
            "message_id": command.message_id,
            "type": command.content.message_type,
        },
    )
    return Envelope(data=to_public(record))


async def _queue(
    context: ApiContext, command: SendCommand, wait: bool, wait_seconds: float
) -> Document | None:
    """Publish the send; with ``wait``, return the record once it is sent or failed."""
    if not wait:
        await _publish_or_fail(context, command)
        return None

    # Subscribe before publishing, so that a fast result cannot be missed.
    done = asyncio.get_running_loop().create_future()

    async def on_event(message: object) -> None:
        data = json.loads(getattr(message, "data", b"{}")).get("data", {})
        if data.get("id") == command.message_id and not done.done():
            done.set_result(None)

    subscription = await context.infra.nats.subscribe(
        subjects.event(command.session_id, "message.*"), cb=on_event
    )
    try:
        await _publish_or_fail(context, command)
        try:
            await asyncio.wait_for(done, wait_seconds)
        except TimeoutError:
            return None
    finally:
        await subscription.unsubscribe()
    return await context.messages.get(command.message_id)


async def _publish_or_fail(context: ApiContext, command: SendCommand) -> None:
    try:
        await context.commands.publish(command)
    except WagateError:
        # The record exists but no command does: mark it failed, so no caller
        # waits for a message that will never go out.
        await context.messages.mark_failed(
            command.message_id, "the broker was unavailable"
        )
        raise


def normalize_recipient(value: str) -> str:
    """Return the JID of a phone number or JID.

    Raises:
        InvalidRecipientError: 422 when ``value`` is neither.
    """
    try:
        return normalize_jid(value)
    except InvalidJidError as error:
        raise InvalidRecipientError(value) from error


def to_public(record: Document) -> MessagePublic:
    """Render a stored message record."""
    return MessagePublic(
        id=record["_id"],
        session_id=record["sessionId"],
        to=record["to"],
        type=record["type"],
        status=record["status"],
        wa_message_id=record.get("waMessageId"),
        error=record.get("error"),
        created_at=record["createdAt"],
        sent_at=record.get("sentAt"),
        delivered_at=record.get("deliveredAt"),
        read_at=record.get("readAt"),
    )

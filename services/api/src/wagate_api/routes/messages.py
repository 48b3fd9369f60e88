"""Message routes: send text, read a message's record."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import MessagePublic, TextMessageCreate
from wagate_api.routes.common import load_session
from wagate_common.broker import subjects
from wagate_common.errors import (
    ConflictError,
    ErrorCode,
    InvalidRecipientError,
    WagateError,
)
from wagate_common.ids import new_id
from wagate_common.jid import InvalidJidError, normalize_jid
from wagate_common.schemas.commands import SendCommand, TextContent
from wagate_common.schemas.sessions import SessionStatus
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/messages", tags=["messages"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("messages"))]
Wait = Annotated[bool, Query(description="Wait for the send result before returning.")]
WaitSeconds = Annotated[
    float,
    Query(alias="timeout", gt=0, le=60, description="Seconds to wait when `wait=true`."),
]


@router.post(
    "/text",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses={200: {"description": "Sent (with `wait=true`)."}},
)
async def send_text(
    body: TextMessageCreate,
    response: Response,
    context: Context,
    caller: Caller,
    wait: Wait = False,
    wait_seconds: WaitSeconds = 15.0,
) -> Envelope[MessagePublic]:
    """Queue a text message; 202 with the record, or 200 once sent with ``wait``."""
    session = await load_session(context, caller, body.session_id)
    to = _normalize_recipient(body.to)
    mentions = [_normalize_recipient(mention) for mention in body.mentions]
    if wait and session["status"] != SessionStatus.CONNECTED.value:
        raise ConflictError(
            ErrorCode.SESSION_NOT_CONNECTED,
            f"session '{body.session_id}' is {session['status']}, not connected",
        )

    message_id = new_id("msg")
    command = SendCommand(
        session_id=body.session_id,
        message_id=message_id,
        to=to,
        content=TextContent(text=body.text, reply_to=body.reply_to, mentions=mentions),
    )
    record = await context.messages.create(message_id, body.session_id, to, "text")
    outcome = await _queue(context, command, wait, wait_seconds)

    if outcome is not None:
        record = outcome
        response.status_code = 200
    logger.info(
        "message queued", extra={"session_id": body.session_id, "message_id": message_id}
    )
    return Envelope(data=to_public(record))


@router.get("/{message_id}", response_model=Envelope[MessagePublic])
async def get_message(
    message_id: str, context: Context, caller: Caller
) -> Envelope[MessagePublic]:
    """Read a message's record by our id or WhatsApp's."""
    record = await context.messages.get(message_id)
    if record is None or not caller.can_see(record["sessionId"]):
        raise WagateError(404, ErrorCode.NOT_FOUND, f"message '{message_id}' not found")
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


def _normalize_recipient(value: str) -> str:
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

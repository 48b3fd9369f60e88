"""Routes that act on an earlier message: reaction, forward, edit and revoke.

Each queues a send command and creates its own message record (type
``reaction``, the forwarded type, ``edit`` or ``revoke``), returned with 202
like any send.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter

from wagate_api.auth import Principal
from wagate_api.context import ApiContext
from wagate_api.media import MediaStore
from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import (
    ForwardCreate,
    MessageEdit,
    MessagePublic,
    ReactionCreate,
)
from wagate_api.routes.common import load_session
from wagate_api.routes.messages.forwarding import (
    check_media_kept,
    forward_of_received,
    forward_of_record,
)
from wagate_api.routes.messages.sending import (
    SEND_RESPONSES,
    Caller,
    Context,
    Options,
    normalize_recipient,
    require_connected_for_wait,
    send_message,
)
from wagate_api.routes.messages.targets import (
    Action,
    find_message,
    message_not_found,
    require_message_record,
    require_not_revoked,
    sent_target,
)
from wagate_api.routing import CheckedRoute
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.schemas.commands import (
    EditContent,
    ReactionContent,
    RevokeContent,
)
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/messages", tags=["messages"])

ACTION_RESPONSES: dict[int | str, dict[str, str]] = {
    **SEND_RESPONSES,
    404: {"description": "The message is unknown or belongs to another session."},
    409: {"description": "`MESSAGE_NOT_SENT`: the message has no WhatsApp id yet."},
    422: {
        "description": "`UNSUPPORTED_MESSAGE_TYPE`: not possible for this message, "
        "or the message was already revoked."
    },
}


@router.post(
    "/reaction",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=ACTION_RESPONSES,
)
async def send_reaction(
    body: ReactionCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue a reaction to a sent or received message; ``""`` removes it."""
    session = await load_session(context, caller, body.session_id)
    require_connected_for_wait(session, options.wait)
    found = await find_message(context, body.session_id, body.message_id)
    if found.sent is not None:
        require_message_record(found.sent, body.message_id, "reacted to")
        require_not_revoked(found.sent, body.message_id, "reacted to")
    target = found.target()

    content = ReactionContent(target=target, emoji=body.emoji)
    return await send_message(context, options, body.session_id, target.chat, content)


@router.post(
    "/forward",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=ACTION_RESPONSES,
)
async def forward_message(
    body: ForwardCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue a copy of a sent or received message, marked as forwarded, to ``to``.

    Text, media, location and contact messages can be forwarded; received
    media cannot, because the gateway does not keep its bytes.
    """
    session = await load_session(context, caller, body.session_id)
    to = normalize_recipient(body.to)
    require_connected_for_wait(session, options.wait)
    found = await find_message(context, body.session_id, body.message_id)
    if found.sent is not None:
        sent_target(found.sent)
        content = forward_of_record(found.sent)
    else:
        assert found.received is not None
        content = forward_of_received(found.received)
    await check_media_kept(MediaStore(context.infra.js), content)

    return await send_message(context, options, body.session_id, to, content)


@router.patch(
    "/{message_id}",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=ACTION_RESPONSES,
)
async def edit_message(
    message_id: str,
    body: MessageEdit,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue new text for a text message this gateway sent.

    Returns the new ``edit`` record; the original record keeps its content.
    """
    record = await _own_record(context, caller, message_id, "edited")
    if record["type"] != "text":
        raise WagateError(
            422,
            ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
            f"message '{message_id}' is of type '{record['type']}'; only text "
            f"messages can be edited",
        )
    if (record.get("content") or {}).get("forwarded"):
        raise WagateError(
            422,
            ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
            f"message '{message_id}' was forwarded; WhatsApp does not allow editing "
            f"forwarded messages",
        )
    session = await load_session(context, caller, record["sessionId"])
    require_connected_for_wait(session, options.wait)
    target = sent_target(record)

    content = EditContent(target=target, text=body.text)
    return await send_message(context, options, record["sessionId"], target.chat, content)


@router.delete(
    "/{message_id}",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=ACTION_RESPONSES,
)
async def revoke_message(
    message_id: str,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue the deletion for everyone of a message this gateway sent.

    Returns the new ``revoke`` record; the original record stays.
    """
    record = await _own_record(context, caller, message_id, "revoked")
    session = await load_session(context, caller, record["sessionId"])
    require_connected_for_wait(session, options.wait)
    target = sent_target(record)

    content = RevokeContent(target=target)
    return await send_message(context, options, record["sessionId"], target.chat, content)


async def _own_record(
    context: ApiContext, caller: Principal, message_id: str, action: Action
) -> Document:
    """Return our record of ``message_id`` if the caller may see it and ``action`` it.

    Raises:
        WagateError: 422 for a received message, an action record or a revoked
            message, 404 for an unknown one.
    """
    record = await context.messages.get(message_id)
    if record is not None and caller.can_see(record["sessionId"]):
        require_message_record(record, message_id, action)
        require_not_revoked(record, message_id, action)
        return record
    received = await context.received.find(message_id)
    if received is not None and caller.can_see(received["sessionId"]):
        raise WagateError(
            422,
            ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
            f"message '{message_id}' was received, not sent through this gateway; "
            f"only sent messages can be {action}",
        )
    raise message_not_found(message_id)

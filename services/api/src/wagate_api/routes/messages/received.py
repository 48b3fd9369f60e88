"""Routes on received messages: read receipts and media downloads.

Both are live requests to the worker that owns the session rather than
queued commands, so their result is known when the response is sent.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from nats.js.errors import ObjectNotFoundError

from wagate_api.auth import Principal
from wagate_api.media import MediaStore
from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import ReadCreate, ReadPublic
from wagate_api.routes.common import load_session
from wagate_api.routes.messages.sending import Caller, Context, normalize_recipient
from wagate_api.routes.messages.targets import message_not_found
from wagate_api.routing import CheckedRoute
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.jid import GROUP_SERVER
from wagate_common.schemas.rpc import (
    DownloadData,
    DownloadRequest,
    EmptyRequest,
    ReadRequest,
    RpcOperation,
)
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/messages", tags=["messages"])

LIVE_RESPONSES: dict[int | str, dict[str, str]] = {
    409: {"description": "`SESSION_NOT_CONNECTED`: the session is not online."},
    504: {"description": "`WORKER_TIMEOUT`: no worker responded in time."},
}
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/]')


@router.post("/read", response_model=Envelope[ReadPublic], responses=LIVE_RESPONSES)
async def mark_read(
    body: ReadCreate, context: Context, caller: Caller
) -> Envelope[ReadPublic]:
    """Send read receipts for received messages of one chat.

    In a group, WhatsApp needs each message's sender, so every id must be a
    message the session received in that chat, else the response is 404.
    The receipts go out in one request per sender.
    """
    await load_session(context, caller, body.session_id)
    chat = normalize_recipient(body.chat)
    by_sender: dict[str | None, list[str]] = {None: body.message_ids}
    if chat.endswith(f"@{GROUP_SERVER}"):
        by_sender = await _group_senders(context, body.session_id, chat, body.message_ids)

    for sender, wa_message_ids in by_sender.items():
        await context.workers.request(
            body.session_id,
            RpcOperation.CHAT_READ,
            ReadRequest(chat=chat, wa_message_ids=wa_message_ids, sender=sender),
            EmptyRequest,
        )
    logger.info(
        "messages marked read",
        extra={"session_id": body.session_id, "count": len(body.message_ids)},
    )
    return Envelope(
        data=ReadPublic(
            session_id=body.session_id, chat=chat, message_ids=body.message_ids
        )
    )


async def _group_senders(
    context: Context, session_id: str, chat: str, wa_message_ids: list[str]
) -> dict[str | None, list[str]]:
    by_sender: dict[str | None, list[str]] = {}
    for wa_message_id in wa_message_ids:
        received = await context.received.get(session_id, wa_message_id)
        if received is None or received["chat"] != chat:
            raise WagateError(
                404,
                ErrorCode.NOT_FOUND,
                f"message '{wa_message_id}' was not received in chat '{chat}' by "
                f"session '{session_id}'; group read receipts need a received message",
            )
        by_sender.setdefault(received["sender"], []).append(wa_message_id)
    return by_sender


@router.get(
    "/{message_id}/media",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The media bytes, with their mimetype and file name.",
            "content": {"application/octet-stream": {}},
        },
        404: {"description": "Unknown message, or a message without media."},
        **LIVE_RESPONSES,
    },
)
async def download_media(
    message_id: str,
    context: Context,
    caller: Caller,
    session_id: Annotated[
        str | None,
        Query(
            alias="sessionId",
            max_length=64,
            description="The receiving session, when several received the message.",
        ),
    ] = None,
) -> StreamingResponse:
    """Download the media of a received message, by WhatsApp's message id.

    The worker fetches the media from WhatsApp into the ``media`` bucket, and
    the api streams it from there.
    """
    received = await _find_received(context, caller, message_id, session_id)
    if received is None or not caller.can_see(received["sessionId"]):
        raise message_not_found(message_id, session_id)
    data = received.get("data") or {}
    if received.get("download") is None and data.get("media") is None:
        raise WagateError(
            404, ErrorCode.NOT_FOUND, f"message '{message_id}' has no media"
        )
    await load_session(context, caller, received["sessionId"])

    result = await context.workers.request(
        received["sessionId"],
        RpcOperation.MEDIA_DOWNLOAD,
        DownloadRequest(wa_message_id=message_id),
        DownloadData,
    )
    try:
        size, chunks = await MediaStore(context.infra.js).open(result.object_name)
    except ObjectNotFoundError as error:
        logger.warning(
            "downloaded media missing from the bucket",
            extra={"session_id": received["sessionId"], "object": result.object_name},
        )
        raise WagateError(
            404,
            ErrorCode.NOT_FOUND,
            f"the media of message '{message_id}' is no longer stored; "
            f"retry the download",
        ) from error
    filename = result.filename or _default_filename(message_id, result.mimetype)
    headers = {
        "Content-Disposition": content_disposition(filename),
        "Content-Length": str(size),
    }
    return StreamingResponse(chunks, media_type=result.mimetype, headers=headers)


async def _find_received(
    context: Context, caller: Principal, wa_message_id: str, session_id: str | None
) -> Document | None:
    if session_id is not None:
        return await context.received.get(session_id, wa_message_id)
    received = await context.received.find(wa_message_id)
    if received is None or caller.can_see(received["sessionId"]):
        return received
    # Several sessions may have received the message (a group): look in the
    # sessions this key is bound to before answering 404.
    for visible in sorted(caller.session_ids):
        found = await context.received.get(visible, wa_message_id)
        if found is not None:
            return found
    return received


def _default_filename(wa_message_id: str, mimetype: str) -> str:
    extension = mimetypes.guess_extension(mimetype.split(";", 1)[0].strip()) or ""
    return f"{wa_message_id}{extension}"


def content_disposition(filename: str) -> str:
    """Return an ``attachment`` value with an ASCII and a UTF-8 name (RFC 6266)."""
    cleaned = _UNSAFE_FILENAME.sub("_", filename)
    ascii_name = cleaned.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned)}"

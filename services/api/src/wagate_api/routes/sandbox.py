"""Sandbox routes: the caller plays the phones on the simulated network.

Each route checks what it can locally (the session exists, uses the sandbox
driver) and forwards the request to the sandbox service over the broker.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.media import MediaStore, decode_media
from wagate_api.models.envelope import Envelope
from wagate_api.models.sandbox import (
    MEDIA_TYPES,
    SandboxCall,
    SandboxGroup,
    SandboxGroupUpdate,
    SandboxLocation,
    SandboxMedia,
    SandboxMessage,
    SandboxPair,
    SandboxParticipants,
    SandboxPoll,
    SandboxPresence,
    SandboxReaction,
    SandboxReceipt,
    SandboxRevoke,
)
from wagate_api.routes.common import load_session
from wagate_api.routes.entries import group_jid
from wagate_api.routing import CheckedRoute
from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.ids import new_id
from wagate_common.jid import InvalidJidError, normalize_phone
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.sandbox import (
    ApiCall,
    ApiGroup,
    ApiGroupUpdate,
    ApiInbox,
    ApiMessage,
    ApiPair,
    ApiParticipants,
    ApiPresence,
    ApiReaction,
    ApiReceipt,
    ApiRevoke,
    ApiSessionAction,
    Reply,
    WireContact,
    WireLocation,
    WireMedia,
    WirePoll,
)
from wagate_common.schemas.sessions import Driver
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)


async def require_sandbox(context: Annotated[ApiContext, Depends(get_context)]) -> None:
    """Hide the sandbox routes when the sandbox is disabled."""
    if not context.settings.sandbox_enabled:
        raise WagateError(
            404, ErrorCode.NOT_FOUND, "the sandbox is disabled on this gateway"
        )


router = APIRouter(
    route_class=CheckedRoute,
    prefix="/v1/sandbox",
    tags=["sandbox"],
    dependencies=[Depends(require_sandbox)],
)

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("sessions"))]
Data = Envelope[dict[str, Any]]


@router.post("/pair", response_model=Data)
async def pair(body: SandboxPair, context: Context, caller: Caller) -> Data:
    """Scan the session's current QR code (or enter its pairing code) with a phone."""
    session = await _load_sandbox_session(context, caller, body.session_id)
    request = ApiPair(
        session_id=body.session_id,
        phone=body.phone,
        push_name=body.push_name,
        session_status=session.get("status"),
    )
    return Envelope(data=await _ask(context, "pair", request))


@router.post("/messages", response_model=Data)
async def send_from_contact(
    body: SandboxMessage, context: Context, caller: Caller
) -> Data:
    """Send the session a message from a contact: text, media, location, contacts or poll.

    Base64 media is checked like the media of ``POST /v1/messages/media``
    (400, 413 or 415). It is stored in the ``media`` object store so that the
    session can download it, and the sandbox receives only its object name.
    """
    await _load_sandbox_session(context, caller, body.session_id)
    assert body.type is not None  # set by the model's validator
    media = None
    if body.media is not None and body.type in MEDIA_TYPES:
        media = await _store_media(context, body.type, body.media, body.ptt)
    request = ApiMessage(
        session_id=body.session_id,
        sender=body.sender,
        type=body.type,
        text=body.text,
        caption=body.caption,
        media=media,
        location=_location(body.location),
        contacts=[
            WireContact(name=card.name, phone=card.phone) for card in body.contacts or []
        ],
        poll=_poll(body.poll),
        mentions=body.mentions,
        group_id=body.group_id,
        reply_to=body.reply_to,
        push_name=body.push_name,
    )
    try:
        data = await _ask(context, "message", request)
    except WagateError:
        if media is not None and media.object is not None:
            await _delete_object(context, media.object)
        raise
    return Envelope(data=data)


@router.post("/reactions", response_model=Data)
async def react_from_contact(
    body: SandboxReaction, context: Context, caller: Caller
) -> Data:
    """React to a message of the phone's chat with the session; "" removes it."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiReaction(
        session_id=body.session_id,
        sender=body.sender,
        message_id=body.message_id,
        emoji=body.emoji,
    )
    return Envelope(data=await _ask(context, "reaction", request))


@router.post("/revokes", response_model=Data)
async def revoke_from_contact(
    body: SandboxRevoke, context: Context, caller: Caller
) -> Data:
    """Delete, for everyone, a message the phone sent to the session."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiRevoke(
        session_id=body.session_id, sender=body.sender, message_id=body.message_id
    )
    return Envelope(data=await _ask(context, "revoke", request))


@router.post("/presence", response_model=Data)
async def presence_of_contact(
    body: SandboxPresence, context: Context, caller: Caller
) -> Data:
    """Show the session that the phone is typing, recording, paused or (un)available."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiPresence(
        session_id=body.session_id,
        sender=body.sender,
        state=body.state,
        group_id=body.group_id,
    )
    return Envelope(data=await _ask(context, "presence", request))


@router.post("/calls", response_model=Data)
async def call_from_contact(body: SandboxCall, context: Context, caller: Caller) -> Data:
    """Ring the session's account from the phone."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiCall(session_id=body.session_id, sender=body.sender, video=body.video)
    return Envelope(data=await _ask(context, "call", request))


@router.get("/inbox/{phone}", response_model=Data)
async def inbox(
    context: Context,
    caller: Caller,
    phone: Annotated[str, Path(max_length=32)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Data:
    """List what a sandbox phone received from sessions, oldest first."""
    try:
        digits = normalize_phone(phone)
    except InvalidJidError as error:
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            f"'{phone}' is not a phone number",
            {"fields": [{"field": "phone", "message": "not a phone number"}]},
        ) from error
    data = await _ask(context, "inbox", ApiInbox(phone=digits, limit=limit))
    if caller.session_ids:
        data["messages"] = [
            item
            for item in data.get("messages", [])
            if caller.can_see(item.get("sessionId"))
        ]
    return Envelope(data=data)


@router.post("/receipts", response_model=Data)
async def receipt(body: SandboxReceipt, context: Context, caller: Caller) -> Data:
    """Report a message the session sent as delivered or read."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiReceipt(
        session_id=body.session_id, message_id=body.message_id, status=body.status
    )
    return Envelope(data=await _ask(context, "receipt", request))


@router.post("/groups", status_code=201, response_model=Data)
async def create_group(body: SandboxGroup, context: Context, caller: Caller) -> Data:
    """Create a group of phones and the session's account, owned by the first phone."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiGroup(
        session_id=body.session_id, subject=body.subject, participants=body.participants
    )
    return Envelope(data=await _ask(context, "group", request))


@router.post("/groups/{group_id}/participants", response_model=Data)
async def change_group_participants(
    group_id: Annotated[str, Path(max_length=128)],
    body: SandboxParticipants,
    context: Context,
    caller: Caller,
) -> Data:
    """Let the phone ``by`` add, remove, promote or demote participants of a group."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiParticipants(
        session_id=body.session_id,
        group_id=group_jid(group_id),
        by=body.by,
        action=body.action,
        participants=body.participants,
    )
    return Envelope(data=await _ask(context, "participants", request))


@router.patch("/groups/{group_id}", response_model=Data)
async def update_group(
    group_id: Annotated[str, Path(max_length=128)],
    body: SandboxGroupUpdate,
    context: Context,
    caller: Caller,
) -> Data:
    """Let the phone ``by`` change a group's subject, description or settings."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiGroupUpdate(
        session_id=body.session_id,
        group_id=group_jid(group_id),
        by=body.by,
        subject=body.subject,
        description=body.description,
        announce=body.announce,
        locked=body.locked,
    )
    return Envelope(data=await _ask(context, "group_update", request))


@router.post("/sessions/{session_id}/logout", response_model=Data)
async def logout_from_phone(session_id: str, context: Context, caller: Caller) -> Data:
    """Unlink the session's device from the phone."""
    await _load_sandbox_session(context, caller, session_id)
    return Envelope(
        data=await _ask(context, "logout", ApiSessionAction(session_id=session_id))
    )


@router.post("/sessions/{session_id}/drop", response_model=Data)
async def drop_connection(session_id: str, context: Context, caller: Caller) -> Data:
    """Break the session's connection, so that its worker must reconnect."""
    await _load_sandbox_session(context, caller, session_id)
    return Envelope(
        data=await _ask(context, "drop", ApiSessionAction(session_id=session_id))
    )


async def _store_media(
    context: ApiContext, media_type: str, media: SandboxMedia, ptt: bool
) -> WireMedia:
    data, mimetype = decode_media(media_type, media.base64, media.mimetype)
    name = f"sbx/{new_id('media')}"
    stored = await MediaStore(context.infra.js).put(name, data, mimetype, media.filename)
    return WireMedia(
        mimetype=stored.mimetype,
        size=stored.size,
        sha256=stored.sha256,
        filename=stored.filename,
        ptt=ptt,
        object=name,
    )


async def _delete_object(context: ApiContext, name: str) -> None:
    """Delete media the sandbox rejected; if that fails, the object expires later."""
    try:
        bucket = await context.infra.js.object_store(subjects.MEDIA_BUCKET)
        await bucket.delete(name)
    except (NatsError, TimeoutError) as error:
        logger.warning(
            "deleting rejected sandbox media failed",
            extra={"object": name, "error": repr(error)},
        )


def _location(location: SandboxLocation | None) -> WireLocation | None:
    if location is None:
        return None
    return WireLocation(
        latitude=location.latitude,
        longitude=location.longitude,
        name=location.name,
        address=location.address,
    )


def _poll(poll: SandboxPoll | None) -> WirePoll | None:
    if poll is None:
        return None
    selectable = len(poll.options) if poll.multiple_answers else 1
    return WirePoll(question=poll.question, options=poll.options, selectable=selectable)


async def _load_sandbox_session(
    context: ApiContext, caller: Principal, session_id: str
) -> Document:
    session = await load_session(context, caller, session_id)
    if session["driver"] != Driver.SANDBOX.value:
        raise WagateError(
            409,
            ErrorCode.SANDBOX_CONFLICT,
            f"session '{session_id}' uses the {session['driver']} driver, "
            "not the sandbox",
        )
    return session


async def _ask(context: ApiContext, operation: str, request: WireModel) -> dict[str, Any]:
    """Send a request to the sandbox service and return its data, or raise its error."""
    try:
        message = await context.infra.nats.request(
            subjects.sandbox_api(operation),
            request.to_wire(),
            timeout=context.settings.request_timeout_seconds,
        )
    except NoRespondersError as error:
        raise WagateError(
            503, ErrorCode.NOT_READY, "the sandbox service is not running"
        ) from error
    except NatsTimeoutError as error:
        raise WagateError(
            504,
            ErrorCode.WORKER_TIMEOUT,
            "the sandbox service did not respond in time; try again",
        ) from error

    reply = Reply.model_validate_json(message.data)
    if reply.error is not None:
        try:
            code = ErrorCode(reply.error.code)
        except ValueError:
            code = ErrorCode.INTERNAL_ERROR
        raise WagateError(reply.error.status, code, reply.error.message)
    return reply.data

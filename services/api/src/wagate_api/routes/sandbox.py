"""Sandbox routes: the caller plays the phones on the simulated network.

Each route checks what it can locally (the session exists, uses the sandbox
driver) and forwards the request to the sandbox service over the broker.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Envelope
from wagate_api.models.sandbox import (
    SandboxGroup,
    SandboxMessage,
    SandboxPair,
    SandboxReceipt,
)
from wagate_api.routes.common import load_session
from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.jid import InvalidJidError, normalize_phone
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.sandbox import (
    ApiGroup,
    ApiInbox,
    ApiMessage,
    ApiPair,
    ApiReceipt,
    ApiSessionAction,
    Reply,
)
from wagate_common.schemas.sessions import Driver

logger = logging.getLogger(__name__)


async def require_sandbox(context: Annotated[ApiContext, Depends(get_context)]) -> None:
    """Hide the sandbox routes when the sandbox is disabled."""
    if not context.settings.sandbox_enabled:
        raise WagateError(
            404, ErrorCode.NOT_FOUND, "the sandbox is disabled on this gateway"
        )


router = APIRouter(
    prefix="/v1/sandbox", tags=["sandbox"], dependencies=[Depends(require_sandbox)]
)

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("sessions"))]
Data = Envelope[dict[str, Any]]


@router.post("/pair", response_model=Data)
async def pair(body: SandboxPair, context: Context, caller: Caller) -> Data:
    """Scan the session's current QR code (or enter its pairing code) with a phone."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiPair(
        session_id=body.session_id, phone=body.phone, push_name=body.push_name
    )
    return Envelope(data=await _ask(context, "pair", request))


@router.post("/messages", response_model=Data)
async def send_from_contact(
    body: SandboxMessage, context: Context, caller: Caller
) -> Data:
    """Send the session a text message from a contact."""
    await _load_sandbox_session(context, caller, body.session_id)
    request = ApiMessage(
        session_id=body.session_id,
        sender=body.sender,
        text=body.text,
        group_id=body.group_id,
        reply_to=body.reply_to,
    )
    return Envelope(data=await _ask(context, "message", request))


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


async def _load_sandbox_session(
    context: ApiContext, caller: Principal, session_id: str
) -> None:
    session = await load_session(context, caller, session_id)
    if session["driver"] != Driver.SANDBOX.value:
        raise WagateError(
            409,
            ErrorCode.SANDBOX_CONFLICT,
            f"session '{session_id}' uses the {session['driver']} driver, "
            "not the sandbox",
        )


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

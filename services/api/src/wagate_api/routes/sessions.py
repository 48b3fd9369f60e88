"""Session routes: create, list, read, connect, disconnect, delete, QR."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Deleted, Envelope, ListEnvelope, PageInfo
from wagate_api.models.sessions import (
    QrPublic,
    SendPacing,
    SessionConnect,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
)
from wagate_api.qr import png_data_uri, render_png
from wagate_api.routes.common import Cursor, Limit, load_session
from wagate_api.routing import CheckedRoute
from wagate_common.envelope import success
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.ids import new_id
from wagate_common.schemas.commands import (
    ConnectCommand,
    DisconnectCommand,
    LogoutCommand,
)
from wagate_common.schemas.sessions import DesiredStatus, Driver, SessionStatus
from wagate_common.shards import shard_of
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/sessions", tags=["sessions"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("sessions"))]


@router.post("", status_code=201, response_model=Envelope[SessionPublic])
async def create_session(
    body: SessionCreate, context: Context, caller: Caller
) -> Envelope[SessionPublic]:
    """Create a session; it stays offline until connected."""
    if body.driver is Driver.SANDBOX and not context.settings.sandbox_enabled:
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            "the sandbox is disabled on this gateway; set WAGATE_SANDBOX_ENABLED=true",
            {"fields": [{"field": "driver", "message": "sandbox is disabled"}]},
        )
    session_id = body.id or new_id("ses").lower()
    if caller.session_ids and session_id not in caller.session_ids:
        raise WagateError(
            403, ErrorCode.FORBIDDEN, "this API key is bound to other sessions"
        )

    document = await context.sessions.create(
        session_id,
        body.name,
        body.driver,
        shard_of(session_id, context.settings.shards),
        body.metadata,
    )
    if body.send_pacing is not None:
        pacing = body.send_pacing.model_dump(by_alias=True)
        document = _require(
            await context.sessions.update(session_id, {"sendPacing": pacing}),
            session_id,
        )
    logger.info(
        "session created", extra={"session_id": session_id, "driver": body.driver}
    )
    return Envelope(data=to_public(document))


@router.get("", response_model=ListEnvelope[SessionPublic])
async def list_sessions(
    context: Context,
    caller: Caller,
    status: SessionStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListEnvelope[SessionPublic]:
    """List sessions, optionally of one status."""
    documents, next_cursor = await context.sessions.list_page(
        status, cursor, limit, only=caller.session_ids or None
    )
    items = [to_public(document) for document in documents]
    return ListEnvelope(data=items, page=PageInfo(next=next_cursor, limit=limit))


@router.get("/{session_id}", response_model=Envelope[SessionPublic])
async def get_session(
    session_id: str, context: Context, caller: Caller
) -> Envelope[SessionPublic]:
    """Read a session, with its QR code while it waits for a scan."""
    document = await load_session(context, caller, session_id)
    return Envelope(data=to_public(document))


@router.patch("/{session_id}", response_model=Envelope[SessionPublic])
async def update_session(
    session_id: str, body: SessionUpdate, context: Context, caller: Caller
) -> Envelope[SessionPublic]:
    """Change a session's name, metadata or send pacing."""
    await load_session(context, caller, session_id)
    fields = body.model_dump(by_alias=True, exclude_unset=True)

    document = await context.sessions.update(session_id, fields)
    logger.info(
        "session updated", extra={"session_id": session_id, "fields": sorted(fields)}
    )
    return Envelope(data=to_public(_require(document, session_id)))


@router.get(
    "/{session_id}/qr",
    responses={200: {"content": {"image/png": {}, "application/json": {}}}},
)
async def get_session_qr(
    session_id: str,
    context: Context,
    caller: Caller,
    format: Literal["png", "json"] = Query(default="json"),
) -> Response:
    """Return the current QR code as a PNG image or JSON; 404 when there is none."""
    document = await load_session(context, caller, session_id)
    qr = document.get("qr")
    if document["status"] != SessionStatus.QR.value or not qr:
        raise WagateError(
            404,
            ErrorCode.NOT_FOUND,
            f"session '{session_id}' has no QR code now (status {document['status']})",
        )
    if format == "png":
        return Response(render_png(qr["code"]), media_type="image/png")
    public = QrPublic(
        code=qr["code"], image=png_data_uri(qr["code"]), expires_at=qr["expiresAt"]
    )
    return JSONResponse(success(public.model_dump(mode="json", by_alias=True)))


@router.post(
    "/{session_id}/connect", status_code=202, response_model=Envelope[SessionPublic]
)
async def connect_session(
    session_id: str,
    context: Context,
    caller: Caller,
    body: SessionConnect | None = None,
) -> Envelope[SessionPublic]:
    """Ask the session's worker to connect; with ``pairingPhone``, pair by code."""
    await load_session(context, caller, session_id)
    pairing_phone = body.pairing_phone if body else None

    # A connect request also lifts a quarantine (see the worker's starts module):
    # the caller asks for one more try.
    document = await context.sessions.update(
        session_id, {"desiredStatus": DesiredStatus.CONNECTED.value, "startCrashes": 0}
    )
    await context.commands.publish(
        ConnectCommand(session_id=session_id, pairing_phone=pairing_phone)
    )
    logger.info("session connect queued", extra={"session_id": session_id})
    return Envelope(data=to_public(_require(document, session_id)))


@router.post(
    "/{session_id}/disconnect", status_code=202, response_model=Envelope[SessionPublic]
)
async def disconnect_session(
    session_id: str, context: Context, caller: Caller
) -> Envelope[SessionPublic]:
    """Ask the session's worker to disconnect; the link to the phone is kept."""
    await load_session(context, caller, session_id)

    document = await context.sessions.update(
        session_id, {"desiredStatus": DesiredStatus.DISCONNECTED.value}
    )
    await context.commands.publish(DisconnectCommand(session_id=session_id))
    logger.info("session disconnect queued", extra={"session_id": session_id})
    return Envelope(data=to_public(_require(document, session_id)))


@router.delete("/{session_id}", response_model=Envelope[Deleted])
async def delete_session(
    session_id: str, context: Context, caller: Caller
) -> Envelope[Deleted]:
    """Log the session out, drop its auth data, states and commands, and delete it."""
    document = await load_session(context, caller, session_id)

    # Queued sends must not go out after the delete, so they are purged before
    # the logout is queued behind them.
    await context.commands.purge_session(session_id)
    await context.commands.publish(
        LogoutCommand(session_id=session_id, driver=Driver(document["driver"]))
    )
    await context.states.delete_session(session_id)
    await context.received.delete_session(session_id)
    await context.sessions.delete(session_id)
    logger.info("session deleted", extra={"session_id": session_id})
    return Envelope(data=Deleted(id=session_id))


def to_public(document: Document) -> SessionPublic:
    """Render a stored session, adding the QR image while a QR code is current."""
    qr: QrPublic | None = None
    stored_qr: dict[str, Any] | None = document.get("qr")
    if document["status"] == SessionStatus.QR.value and stored_qr:
        qr = QrPublic(
            code=stored_qr["code"],
            image=png_data_uri(stored_qr["code"]),
            expires_at=stored_qr["expiresAt"],
        )
    return SessionPublic(
        id=document["_id"],
        name=document.get("name"),
        driver=document["driver"],
        status=document["status"],
        desired_status=document["desiredStatus"],
        me=document.get("me"),
        qr=qr,
        pairing_code=document.get("pairingCode"),
        shard=document["shard"],
        worker=document.get("worker"),
        last_error=document.get("lastError"),
        metadata=document.get("metadata") or {},
        send_pacing=_pacing_of(document),
        created_at=document["createdAt"],
        updated_at=document["updatedAt"],
    )


def _pacing_of(document: Document) -> SendPacing | None:
    stored = document.get("sendPacing")
    return SendPacing.model_validate(stored) if stored else None


def _require(document: Document | None, session_id: str) -> Document:
    if document is None:
        # Deleted between the read and the update by a concurrent request.
        raise WagateError(
            404, ErrorCode.SESSION_NOT_FOUND, f"session '{session_id}' not found"
        )
    return document

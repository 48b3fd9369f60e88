"""Conversation state routes: a small record per (session, chat) for bots."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Deleted, Envelope, ListEnvelope, PageInfo
from wagate_api.models.states import StatePublic, StatePut
from wagate_api.routes.common import Cursor, Limit, load_session
from wagate_api.routing import CheckedRoute
from wagate_common.errors import ErrorCode, NotFoundError, WagateError
from wagate_common.jid import InvalidJidError, normalize_jid
from wagate_common.storage.database import Document
from wagate_common.storage.states import VersionConflictError

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/states", tags=["states"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("states"))]
IfMatch = Annotated[
    str | None,
    Header(
        description="Write only when the stored version equals this one; "
        "412 VERSION_CONFLICT otherwise."
    ),
]


@router.get("/{session_id}", response_model=ListEnvelope[StatePublic])
async def list_states(
    session_id: str,
    context: Context,
    caller: Caller,
    state: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListEnvelope[StatePublic]:
    """List a session's live states, optionally only those in one ``state``."""
    await load_session(context, caller, session_id)
    documents, next_cursor = await context.states.list_page(
        session_id, state, cursor, limit
    )
    return ListEnvelope(
        data=[to_public(doc) for doc in documents],
        page=PageInfo(next=next_cursor, limit=limit),
    )


@router.get("/{session_id}/{jid}", response_model=Envelope[StatePublic])
async def get_state(
    session_id: str, jid: str, response: Response, context: Context, caller: Caller
) -> Envelope[StatePublic]:
    """Read the state of one chat; an expired state is not found."""
    await load_session(context, caller, session_id)
    chat = _normalize(jid)

    document = await context.states.get(session_id, chat)
    if document is None:
        raise NotFoundError(ErrorCode.STATE_NOT_FOUND, "state of chat", chat)
    response.headers["ETag"] = f'"{document["version"]}"'
    return Envelope(data=to_public(document))


@router.put("/{session_id}/{jid}", response_model=Envelope[StatePublic])
async def put_state(
    session_id: str,
    jid: str,
    body: StatePut,
    response: Response,
    context: Context,
    caller: Caller,
    if_match: IfMatch = None,
) -> Envelope[StatePublic]:
    """Write the state of one chat; its version increases by one on each write."""
    await load_session(context, caller, session_id)
    chat = _normalize(jid)
    expected = _parse_version(if_match)

    try:
        document = await context.states.put(
            session_id,
            chat,
            {"state": body.state, "data": body.data},
            body.ttl_seconds,
            expected,
        )
    except VersionConflictError as error:
        current = await context.states.get(session_id, chat)
        message = _conflict_message(chat, str(expected), current)
        raise WagateError(412, ErrorCode.VERSION_CONFLICT, message) from error
    response.headers["ETag"] = f'"{document["version"]}"'
    logger.info(
        "state written",
        extra={"session_id": session_id, "version": document["version"]},
    )
    return Envelope(data=to_public(document))


@router.delete("/{session_id}/{jid}", response_model=Envelope[Deleted])
async def delete_state(
    session_id: str, jid: str, context: Context, caller: Caller
) -> Envelope[Deleted]:
    """Clear the state of one chat."""
    await load_session(context, caller, session_id)
    chat = _normalize(jid)

    if not await context.states.delete(session_id, chat):
        raise NotFoundError(ErrorCode.STATE_NOT_FOUND, "state of chat", chat)
    return Envelope(data=Deleted(id=chat))


def to_public(document: Document) -> StatePublic:
    """Render a stored state."""
    return StatePublic(
        session_id=document["sessionId"],
        jid=document["jid"],
        state=document["state"],
        data=document.get("data") or {},
        version=document["version"],
        expires_at=document.get("expiresAt"),
        updated_at=document["updatedAt"],
    )


def _normalize(jid: str) -> str:
    try:
        return normalize_jid(jid)
    except InvalidJidError as error:
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            f"'{jid}' is neither a phone number nor a chat JID",
            {"fields": [{"field": "jid", "message": "not a phone number or JID"}]},
        ) from error


def _parse_version(if_match: str | None) -> int | Literal["*"] | None:
    """Read ``If-Match`` as a version: ``3``, ``"3"`` and ``W/"3"`` all mean 3.

    ``*`` means any version, so the write needs a live state to exist.
    """
    if if_match is None:
        return None
    if if_match.strip() == "*":
        return "*"
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            f"If-Match must be a state version such as 3, or *, not '{if_match}'",
            {"fields": [{"field": "If-Match", "message": "not a version number"}]},
        )
    return int(text)


def _conflict_message(chat: str, expected: str, current: Document | None) -> str:
    if current is None:
        return (
            f"there is no state of {chat} to match If-Match {expected}; "
            "write without If-Match to create it"
        )
    return (
        f"the state of {chat} is at version {current['version']}, not {expected}; "
        "read it and retry"
    )

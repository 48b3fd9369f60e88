"""Sending a session's presence (typing, recording, online) to a chat."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import PresenceCreate, PresencePublic
from wagate_api.routes.common import load_session
from wagate_api.routes.messages.received import LIVE_RESPONSES
from wagate_api.routes.messages.sending import normalize_recipient
from wagate_api.routing import CheckedRoute
from wagate_common.schemas.rpc import EmptyRequest, PresenceRequest, RpcOperation

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/sessions", tags=["messages"])

Context = Annotated[ApiContext, Depends(get_context)]
# Presence is part of messaging, so it needs the messages scope, not sessions.
Caller = Annotated[Principal, Depends(require_scope("messages"))]


@router.post(
    "/{session_id}/presence",
    response_model=Envelope[PresencePublic],
    responses=LIVE_RESPONSES,
)
async def send_presence(
    session_id: str, body: PresenceCreate, context: Context, caller: Caller
) -> Envelope[PresencePublic]:
    """Show the session as typing, recording, paused, available or unavailable."""
    await load_session(context, caller, session_id)
    chat = normalize_recipient(body.chat)
    await context.workers.request(
        session_id,
        RpcOperation.CHAT_PRESENCE,
        PresenceRequest(chat=chat, state=body.state),
        EmptyRequest,
    )
    logger.info("presence sent", extra={"session_id": session_id, "state": body.state})
    return Envelope(
        data=PresencePublic(session_id=session_id, chat=chat, state=body.state)
    )

"""Reading a message record."""

from __future__ import annotations

from fastapi import APIRouter

from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import MessagePublic
from wagate_api.routes.messages.sending import Caller, Context, to_public
from wagate_api.routes.messages.targets import message_not_found

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.get("/{message_id}", response_model=Envelope[MessagePublic])
async def get_message(
    message_id: str, context: Context, caller: Caller
) -> Envelope[MessagePublic]:
    """Read a message's record by our id or WhatsApp's."""
    record = await context.messages.get(message_id)
    if record is None or not caller.can_see(record["sessionId"]):
        raise message_not_found(message_id)
    return Envelope(data=to_public(record))

"""Reading a message record."""

from __future__ import annotations

from fastapi import APIRouter

from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import MessagePublic
from wagate_api.routes.messages.sending import Caller, Context, to_public
from wagate_api.routes.messages.targets import message_not_found
from wagate_api.routing import CheckedRoute
from wagate_common.errors import ErrorCode, WagateError

router = APIRouter(route_class=CheckedRoute, prefix="/v1/messages", tags=["messages"])


@router.get("/{message_id}", response_model=Envelope[MessagePublic])
async def get_message(
    message_id: str, context: Context, caller: Caller
) -> Envelope[MessagePublic]:
    """Read the record of a message the gateway sent, by our id or WhatsApp's.

    Received messages have no record, so their id is a 404 whose message explains why.
    """
    record = await context.messages.get(message_id)
    if record is not None and caller.can_see(record["sessionId"]):
        return Envelope(data=to_public(record))
    received = await context.received.find(message_id)
    if received is not None and caller.can_see(received["sessionId"]):
        raise WagateError(
            404,
            ErrorCode.NOT_FOUND,
            f"message '{message_id}' was received, and GET /v1/messages/:id "
            f"returns only messages sent through the gateway. Received messages "
            f"are delivered as message.received events, and their media is "
            f"downloaded with GET /v1/messages/{message_id}/media",
        )
    raise message_not_found(message_id)

"""The event stream: the events of the EVENTS stream as Server-Sent Events."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig, DeliverPolicy

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.routing import CheckedRoute
from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, NotFoundError, WagateError
from wagate_common.schemas.events import EventType

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/events", tags=["events"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("sessions"))]
# Without events, a comment line goes out this often, so proxies keep the
# connection open and a closed client is noticed.
KEEPALIVE_SECONDS = 15.0


@router.get(
    "",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    request: Request,
    context: Context,
    caller: Caller,
    session_id: Annotated[
        str | None, Query(alias="sessionId", description="Only this session's events.")
    ] = None,
    types: Annotated[
        str | None,
        Query(description="Comma-separated event types, e.g. `message.received`."),
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Stream events as they happen; each SSE ``id`` is the event's stream sequence.

    Sending the last ``id`` seen back as ``Last-Event-ID`` resumes after it.
    """
    if session_id is not None and not caller.can_see(session_id):
        raise NotFoundError(ErrorCode.SESSION_NOT_FOUND, "session", session_id)
    requested_types = _parse_types(types)
    start_sequence = _parse_last_event_id(last_event_id)
    filter_subject = (
        subjects.session_events(session_id) if session_id else subjects.EVENTS_ALL
    )
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.NEW,
        inactive_threshold=60.0,
    )
    if start_sequence is not None:
        config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
        config.opt_start_seq = start_sequence + 1
    subscription = await context.infra.js.subscribe(
        filter_subject,
        stream=subjects.EVENTS_STREAM,
        ordered_consumer=True,
        config=config,
    )

    def is_requested(subject: str) -> bool:
        # wagate.evt.<session>.<type>, where the type itself contains dots.
        parts = subject.split(".", 3)
        if len(parts) != 4 or not caller.can_see(parts[2]):
            return False
        return not requested_types or parts[3] in requested_types

    async def lines() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            while not await request.is_disconnected():
                try:
                    message = await subscription.next_msg(timeout=KEEPALIVE_SECONDS)
                except (TimeoutError, NatsTimeoutError):
                    yield b": keepalive\n\n"
                    continue
                if not is_requested(message.subject):
                    continue
                sequence = message.metadata.sequence.stream
                event_type = message.subject.split(".", 3)[3]
                yield (
                    f"id: {sequence}\nevent: {event_type}\ndata: ".encode()
                    + message.data
                    + b"\n\n"
                )
        finally:
            await subscription.unsubscribe()

    logger.info(
        "event stream opened",
        extra={"session_id": session_id, "start_sequence": start_sequence},
    )
    return StreamingResponse(
        lines(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _parse_types(value: str | None) -> set[str]:
    """Read ``?types=`` as a set of event types; an unknown one is a 400."""
    requested = {item.strip() for item in (value or "").split(",") if item.strip()}
    known = {event.value for event in EventType}
    unknown = sorted(requested - known)
    if unknown:
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            f"unknown event types {unknown}; use any of {sorted(known)}",
            {"fields": [{"field": "types", "message": "unknown event type"}]},
        )
    return requested


def _parse_last_event_id(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            "Last-Event-ID must be the id of an event received from this stream",
            {"fields": [{"field": "Last-Event-ID", "message": "not an event id"}]},
        )
    return int(value)

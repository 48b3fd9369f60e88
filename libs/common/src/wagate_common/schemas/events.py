"""Events published on the EVENTS stream and delivered to webhooks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from wagate_common.ids import new_id, utc_now
from wagate_common.schemas.base import WireModel


class EventType(StrEnum):
    """Every event type of the public contract."""

    SESSION_STATUS = "session.status"
    SESSION_QR = "session.qr"
    MESSAGE_RECEIVED = "message.received"
    MESSAGE_SENT = "message.sent"
    MESSAGE_ACK = "message.ack"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_REACTION = "message.reaction"
    MESSAGE_REVOKED = "message.revoked"
    GROUP_PARTICIPANTS = "group.participants"
    GROUP_UPDATE = "group.update"
    PRESENCE_UPDATE = "presence.update"
    CALL_RECEIVED = "call.received"


class Event(WireModel):
    """One thing that happened to a session; ``id`` is the webhook-id too."""

    id: str = Field(default_factory=lambda: new_id("evt"))
    type: EventType
    session_id: str
    timestamp: datetime = Field(default_factory=utc_now)
    data: dict[str, Any] = Field(default_factory=dict)


def parse_event(raw: bytes) -> Event:
    """Parse an event from its JSON bytes."""
    return Event.model_validate_json(raw)

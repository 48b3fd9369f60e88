"""Reading the routing fields of an event."""

from __future__ import annotations

import pytest

from wagate_common.schemas.events import Event, EventType
from wagate_dispatcher.errors import InvalidEventError
from wagate_dispatcher.events import parse_event_route


def test_route_read_from_wire_event() -> None:
    event = Event(type=EventType.MESSAGE_ACK, session_id="s1", data={"status": "read"})

    route = parse_event_route(event.to_wire())

    assert route.id == event.id
    assert route.type == "message.ack"
    assert route.session_id == "s1"


def test_route_accepts_unknown_type() -> None:
    route = parse_event_route(b'{"id":"evt_1","type":"call.ended","sessionId":"s1"}')

    assert route.type == "call.ended"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"type":"message.sent","sessionId":"s1"}',
        b'{"id":"evt_1","type":"message.sent"}',
        b'{"id":"","type":"message.sent","sessionId":"s1"}',
    ],
)
def test_route_rejects_malformed_event(raw: bytes) -> None:
    with pytest.raises(InvalidEventError):
        parse_event_route(raw)

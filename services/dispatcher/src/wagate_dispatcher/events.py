"""The part of an event that routing needs; the body is forwarded untouched."""

from __future__ import annotations

from pydantic import Field, ValidationError

from wagate_common.schemas.base import WireModel
from wagate_dispatcher.errors import InvalidEventError


class EventRoute(WireModel):
    """The id, type and session of an event.

    ``type`` is any string rather than ``EventType``, so that an event type added
    by a newer worker still reaches ``*`` webhooks.
    """

    id: str = Field(min_length=1)
    type: str = Field(min_length=1)
    session_id: str = Field(min_length=1)


def parse_event_route(raw: bytes) -> EventRoute:
    """Read the routing fields of an event's JSON bytes.

    Raises:
        InvalidEventError: the bytes are not JSON or lack one of the fields.
    """
    try:
        return EventRoute.model_validate_json(raw)
    except ValidationError as error:
        problems = sorted(
            {".".join(map(str, item["loc"])) or item["type"] for item in error.errors()}
        )
        raise InvalidEventError(f"bad or missing fields {problems}") from error

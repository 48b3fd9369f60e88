"""Commands the api queues for session workers on the COMMANDS stream."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from wagate_common.ids import new_id, utc_now
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.sessions import Driver


class CommandBase(WireModel):
    """Fields every command carries; ``id`` is also the broker's de-duplication id."""

    id: str = Field(default_factory=lambda: new_id("cmd"))
    session_id: str
    created_at: datetime = Field(default_factory=utc_now)


class ConnectCommand(CommandBase):
    """Bring a session online; with a pairing phone, request a pairing code."""

    type: Literal["session.connect"] = "session.connect"
    pairing_phone: str | None = None


class DisconnectCommand(CommandBase):
    """Close a session's connection but keep its link to the phone."""

    type: Literal["session.disconnect"] = "session.disconnect"


class LogoutCommand(CommandBase):
    """Unlink the device and drop its auth data (the session is being deleted)."""

    type: Literal["session.logout"] = "session.logout"
    # The api deletes the session record right after queueing this command, so
    # the worker learns from here which driver must unlink the device.
    driver: Driver | None = None


class TextContent(WireModel):
    """A text message."""

    kind: Literal["text"] = "text"
    text: str
    reply_to: str | None = None
    mentions: list[str] = Field(default_factory=list)


MessageContent = Annotated[TextContent, Field(discriminator="kind")]


class SendCommand(CommandBase):
    """Send one stored message record."""

    type: Literal["message.send"] = "message.send"
    message_id: str
    to: str
    content: MessageContent


Command = Annotated[
    ConnectCommand | DisconnectCommand | LogoutCommand | SendCommand,
    Field(discriminator="type"),
]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def parse_command(raw: bytes) -> Command:
    """Parse a command from its JSON bytes."""
    return command_adapter.validate_json(raw)

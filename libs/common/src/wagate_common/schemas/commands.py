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


MediaType = Literal["image", "video", "audio", "document", "sticker"]


class StoredMedia(WireModel):
    """Media the api decoded and stored in the ``media`` object store."""

    source: Literal["object"] = "object"
    name: str
    size: int
    sha256: str
    mimetype: str
    filename: str | None = None


class UrlMedia(WireModel):
    """Media the worker fetches from a URL when it sends the message."""

    source: Literal["url"] = "url"
    url: str
    filename: str | None = None


MediaSource = Annotated[StoredMedia | UrlMedia, Field(discriminator="source")]


class MessageTarget(WireModel):
    """An earlier message that an action (reaction, edit, revoke) refers to.

    ``from_me`` tells whether the session sent it; ``sender`` is the author of
    a received group message, which WhatsApp needs to find it.
    """

    wa_message_id: str
    chat: str
    from_me: bool
    sender: str | None = None


class TextContent(WireModel):
    """A text message; ``link_preview`` asks for a preview of its first URL."""

    kind: Literal["text"] = "text"
    text: str
    reply_to: str | None = None
    mentions: list[str] = Field(default_factory=list)
    link_preview: bool = False
    forwarded: bool = False

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "text"


class MediaContent(WireModel):
    """An image, video, audio (``ptt`` for a voice note), document or sticker."""

    kind: Literal["media"] = "media"
    media_type: MediaType
    media: MediaSource
    caption: str | None = None
    ptt: bool = False
    reply_to: str | None = None
    mentions: list[str] = Field(default_factory=list)
    forwarded: bool = False

    @property
    def message_type(self) -> str:
        """The record's ``type``: the media type."""
        return self.media_type


class LocationContent(WireModel):
    """A pinned location."""

    kind: Literal["location"] = "location"
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    reply_to: str | None = None
    forwarded: bool = False

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "location"


class ContactCard(WireModel):
    """One contact of a contact message; the driver renders it as a vCard."""

    name: str
    phone: str


class ContactsContent(WireModel):
    """One or more contact cards."""

    kind: Literal["contacts"] = "contacts"
    contacts: list[ContactCard]
    reply_to: str | None = None
    forwarded: bool = False

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "contact"


class PollContent(WireModel):
    """A poll; ``multiple_answers`` lets a voter pick more than one option."""

    kind: Literal["poll"] = "poll"
    question: str
    options: list[str]
    multiple_answers: bool = False

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "poll"


class ReactionContent(WireModel):
    """A reaction to ``target``; an empty ``emoji`` removes the session's reaction."""

    kind: Literal["reaction"] = "reaction"
    target: MessageTarget
    emoji: str

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "reaction"


class EditContent(WireModel):
    """New text for a text message the session sent."""

    kind: Literal["edit"] = "edit"
    target: MessageTarget
    text: str

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "edit"


class RevokeContent(WireModel):
    """Delete a message the session sent, for everyone."""

    kind: Literal["revoke"] = "revoke"
    target: MessageTarget

    @property
    def message_type(self) -> str:
        """The record's ``type``."""
        return "revoke"


MessageContent = Annotated[
    TextContent
    | MediaContent
    | LocationContent
    | ContactsContent
    | PollContent
    | ReactionContent
    | EditContent
    | RevokeContent,
    Field(discriminator="kind"),
]
message_content_adapter: TypeAdapter[MessageContent] = TypeAdapter(MessageContent)

# Contents that can be forwarded: a forward is a copy with ``forwarded`` set.
ForwardableContent = TextContent | MediaContent | LocationContent | ContactsContent


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

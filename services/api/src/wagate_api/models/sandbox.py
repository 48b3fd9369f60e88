"""Request bodies of the sandbox routes, where the caller acts as the phones."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from wagate_api.models.messages import MAX_TEXT_LENGTH
from wagate_api.models.request import RequestModel
from wagate_common.jid import (
    InvalidJidError,
    normalize_group_jid,
    normalize_jid,
    normalize_phone,
)


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidJidError as error:
        raise ValueError("must be a phone number such as +1 555 010 0002") from error


class SandboxPair(RequestModel):
    """Body of ``POST /v1/sandbox/pair``: a phone scans the session's QR code."""

    session_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=1, max_length=32)
    push_name: str | None = Field(default=None, max_length=64)

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str) -> str:
        return _phone(value)


class SandboxReceipt(RequestModel):
    """Body of ``POST /v1/sandbox/receipts``: the recipient got or read a message."""

    session_id: str = Field(min_length=1, max_length=64)
    message_id: str = Field(min_length=1, max_length=128)
    status: Literal["delivered", "read"]


class SandboxGroup(RequestModel):
    """Body of ``POST /v1/sandbox/groups``: the first phone creates a group with
    the others and the session's account in it."""

    session_id: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=100)
    participants: list[str] = Field(min_length=1, max_length=256)

    @field_validator("participants")
    @classmethod
    def _valid_participants(cls, value: list[str]) -> list[str]:
        return [_phone(item) for item in value]


SandboxMessageType = Literal[
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contact",
    "poll",
]
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
# The type of media sent without ``type``, by mimetype family. Other families
# are sent as documents, and a sticker needs an explicit ``type``.
MEDIA_FAMILIES: dict[str, SandboxMessageType] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
}
MAX_MENTIONS = 256
MAX_CONTACTS = 50
MAX_EMOJI_LENGTH = 32
PresenceState = Literal["typing", "recording", "paused", "available", "unavailable"]


def _group_jid(value: str) -> str:
    try:
        return normalize_group_jid(value)
    except InvalidJidError as error:
        raise ValueError(
            "must be a group id: the group's JID, such as 120363000000000001@g.us, "
            "or its part before the @"
        ) from error


class SandboxMedia(RequestModel):
    """Media a phone sends: base64 bytes and their mimetype."""

    base64: str = Field(min_length=1)
    mimetype: str = Field(min_length=3, max_length=255)
    filename: str | None = Field(default=None, min_length=1, max_length=255)


class SandboxLocation(RequestModel):
    """A location a phone sends."""

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    name: str | None = Field(default=None, max_length=256)
    address: str | None = Field(default=None, max_length=512)


class SandboxContactCard(RequestModel):
    """One contact card a phone sends; the sandbox renders its vCard."""

    name: str = Field(min_length=1, max_length=256)
    phone: str = Field(min_length=1, max_length=32)

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str) -> str:
        return _phone(value)


class SandboxPoll(RequestModel):
    """A poll a phone sends."""

    question: str = Field(min_length=1, max_length=255)
    options: list[str] = Field(min_length=2, max_length=12)
    multiple_answers: StrictBool = False

    @field_validator("options")
    @classmethod
    def _distinct_options(cls, value: list[str]) -> list[str]:
        if any(not option.strip() or len(option) > 100 for option in value):
            raise ValueError("each option must have 1 to 100 characters")
        if len(set(value)) != len(value):
            raise ValueError("options must not repeat")
        return value


class SandboxMessage(RequestModel):
    """Body of ``POST /v1/sandbox/messages``: a contact writes to the session.

    ``type`` may be left out: it is then read from the one content field
    given (media by its mimetype's family, ``document`` for other families).
    """

    session_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    type: SandboxMessageType | None = None
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)
    caption: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    media: SandboxMedia | None = None
    ptt: StrictBool = False
    location: SandboxLocation | None = None
    contacts: list[SandboxContactCard] | None = Field(
        default=None, min_length=1, max_length=MAX_CONTACTS
    )
    poll: SandboxPoll | None = None
    mentions: list[str] = Field(default_factory=list, max_length=MAX_MENTIONS)
    group_id: str | None = Field(default=None, max_length=128)
    reply_to: str | None = Field(default=None, max_length=128)
    push_name: str | None = Field(default=None, max_length=64)

    @field_validator("sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _phone(value)

    @field_validator("group_id")
    @classmethod
    def _valid_group(cls, value: str | None) -> str | None:
        return None if value is None else _group_jid(value)

    @field_validator("mentions")
    @classmethod
    def _valid_mentions(cls, value: list[str]) -> list[str]:
        try:
            return [normalize_jid(item) for item in value]
        except InvalidJidError as error:
            raise ValueError(f"'{error}' is not a phone number or JID") from error

    @model_validator(mode="after")
    def _content_matches_type(self) -> SandboxMessage:
        message_type = self.type or self._inferred_type()
        self.type = message_type
        required = {
            "text": self.text,
            "location": self.location,
            "contact": self.contacts,
            "poll": self.poll,
        }
        if message_type in MEDIA_TYPES:
            if self.media is None:
                raise ValueError(f"media is required for type '{message_type}'")
        elif required[message_type] is None:
            field = "contacts" if message_type == "contact" else message_type
            raise ValueError(f"{field} is required for type '{message_type}'")
        if self.ptt and message_type != "audio":
            raise ValueError("ptt is allowed only for type 'audio'")
        if self.caption is not None and message_type not in (
            "image",
            "video",
            "document",
        ):
            raise ValueError(f"caption is not allowed for type '{message_type}'")
        return self

    def _inferred_type(self) -> SandboxMessageType:
        present: list[SandboxMessageType] = []
        if self.text is not None:
            present.append("text")
        if self.media is not None:
            family = self.media.mimetype.split("/", 1)[0].lower()
            present.append(MEDIA_FAMILIES.get(family, "document"))
        if self.location is not None:
            present.append("location")
        if self.contacts is not None:
            present.append("contact")
        if self.poll is not None:
            present.append("poll")
        if len(present) != 1:
            raise ValueError(
                "give exactly one of text, media, location, contacts or poll, or set type"
            )
        return present[0]


class SandboxReaction(RequestModel):
    """Body of ``POST /v1/sandbox/reactions``: a phone reacts to a message."""

    session_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    message_id: str = Field(min_length=1, max_length=128)
    emoji: str = Field(max_length=MAX_EMOJI_LENGTH)

    @field_validator("sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _phone(value)


class SandboxRevoke(RequestModel):
    """Body of ``POST /v1/sandbox/revokes``: a phone deletes its own message."""

    session_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    message_id: str = Field(min_length=1, max_length=128)

    @field_validator("sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _phone(value)


class SandboxPresence(RequestModel):
    """Body of ``POST /v1/sandbox/presence``: a phone shows a presence state."""

    session_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    state: PresenceState
    group_id: str | None = Field(default=None, max_length=128)

    @field_validator("sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _phone(value)

    @field_validator("group_id")
    @classmethod
    def _valid_group(cls, value: str | None) -> str | None:
        return None if value is None else _group_jid(value)


class SandboxCall(RequestModel):
    """Body of ``POST /v1/sandbox/calls``: a phone calls the session's account."""

    session_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    video: StrictBool = False

    @field_validator("sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _phone(value)


class SandboxParticipants(RequestModel):
    """Body of ``POST /v1/sandbox/groups/:groupId/participants``.

    The phone ``by`` changes the participants; each entry gets its own result
    row, so entries are not checked here.
    """

    session_id: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=32)
    action: Literal["add", "remove", "promote", "demote"]
    participants: list[str] = Field(min_length=1, max_length=256)

    @field_validator("by")
    @classmethod
    def _valid_by(cls, value: str) -> str:
        return _phone(value)


class SandboxGroupUpdate(RequestModel):
    """Body of ``PATCH /v1/sandbox/groups/:groupId``: a phone edits the group."""

    session_id: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=32)
    subject: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2048)
    announce: StrictBool | None = None
    locked: StrictBool | None = None

    @field_validator("by")
    @classmethod
    def _valid_by(cls, value: str) -> str:
        return _phone(value)

    @model_validator(mode="after")
    def _some_change(self) -> SandboxGroupUpdate:
        fields = (self.subject, self.description, self.announce, self.locked)
        if all(value is None for value in fields):
            raise ValueError(
                "give at least one of subject, description, announce, locked"
            )
        return self

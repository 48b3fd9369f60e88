"""Request and response bodies of the message routes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, StrictBool, field_validator, model_validator

from wagate_api.models.request import RequestModel
from wagate_common.jid import InvalidJidError, parse_jid
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.commands import MediaType
from wagate_common.storage.messages import MessageStatus

MAX_TEXT_LENGTH = 65536
MAX_MENTIONS = 256
MAX_URL_LENGTH = 2048
MAX_FILENAME_LENGTH = 255
MAX_CONTACTS = 50
MAX_READ_IDS = 100
# NOTE: poll limits follow what WhatsApp's own clients let a user type; they are
# not verified against WhatsApp's servers.
MAX_POLL_QUESTION_LENGTH = 255
MAX_POLL_OPTION_LENGTH = 100
MIN_POLL_OPTIONS = 2
MAX_POLL_OPTIONS = 12
# An emoji with skin tone and joiners is a few code points, so 32 only rejects
# input that is clearly not one emoji.
MAX_EMOJI_LENGTH = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TextMessageCreate(RequestModel):
    """Body of ``POST /v1/messages/text``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    reply_to: str | None = Field(default=None, min_length=1, max_length=128)
    mentions: list[str] = Field(default_factory=list, max_length=MAX_MENTIONS)
    link_preview: StrictBool = False


class MediaInput(RequestModel):
    """The media of a media message: ``{url}`` or ``{base64, mimetype, filename?}``."""

    url: str | None = Field(default=None, min_length=1, max_length=MAX_URL_LENGTH)
    base64: str | None = Field(default=None, min_length=1)
    mimetype: str | None = Field(default=None, min_length=3, max_length=255)
    filename: str | None = Field(
        default=None, min_length=1, max_length=MAX_FILENAME_LENGTH
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _CONTROL.search(value) or " " in value:
            raise ValueError("must not contain spaces or control characters")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            raise ValueError("must be an http or https URL")
        try:
            host, _ = parts.hostname, parts.port
        except ValueError as error:
            raise ValueError(f"is not a valid URL ({error})") from error
        if not host:
            raise ValueError("must name a host")
        return value

    @field_validator("mimetype")
    @classmethod
    def _check_mimetype(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"[\w.+-]+/[\w.+-]+(\s*;.*)?", value) or _CONTROL.search(
            value
        ):
            raise ValueError("must be a mimetype such as image/jpeg")
        return value

    @field_validator("filename")
    @classmethod
    def _check_filename(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # The name ends up in a Content-Disposition header and on the recipient's disk.
        if _CONTROL.search(value) or "/" in value or "\\" in value or not value.strip():
            raise ValueError("must be a file name without path separators")
        return value

    @model_validator(mode="after")
    def _check_source(self) -> MediaInput:
        if (self.url is None) == (self.base64 is None):
            raise ValueError("give either 'url' or 'base64' (with 'mimetype')")
        if self.base64 is not None and self.mimetype is None:
            raise ValueError("'mimetype' is required with 'base64'")
        if self.url is not None and self.mimetype is not None:
            raise ValueError(
                "'mimetype' goes only with 'base64'; for 'url' the server's "
                "Content-Type and the bytes tell the type"
            )
        return self


class MediaMessageCreate(RequestModel):
    """Body of ``POST /v1/messages/media``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    type: MediaType
    media: MediaInput
    caption: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)
    ptt: StrictBool = False
    reply_to: str | None = Field(default=None, min_length=1, max_length=128)
    mentions: list[str] = Field(default_factory=list, max_length=MAX_MENTIONS)

    @model_validator(mode="after")
    def _check_type_fields(self) -> MediaMessageCreate:
        if self.ptt and self.type != "audio":
            raise ValueError("'ptt' (voice note) is only allowed with type 'audio'")
        if self.caption is not None and self.type in ("audio", "sticker"):
            raise ValueError(f"type '{self.type}' cannot have a caption")
        return self


class LocationMessageCreate(RequestModel):
    """Body of ``POST /v1/messages/location``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    name: str | None = Field(default=None, min_length=1, max_length=256)
    address: str | None = Field(default=None, min_length=1, max_length=1024)
    reply_to: str | None = Field(default=None, min_length=1, max_length=128)


class ContactInput(RequestModel):
    """One contact card: a display name and a phone number."""

    name: str = Field(min_length=1, max_length=256)
    phone: str = Field(min_length=1, max_length=64)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        name = value.strip()
        if not name or _CONTROL.search(name):
            raise ValueError("must be a non-blank name without control characters")
        return name

    @field_validator("phone")
    @classmethod
    def _normalize_phone(cls, value: str) -> str:
        try:
            phone = parse_jid(value).phone
        except InvalidJidError as error:
            raise ValueError(f"'{value}' is not a phone number") from error
        if phone is None:
            raise ValueError(f"'{value}' is not a phone number")
        return phone


class ContactMessageCreate(RequestModel):
    """Body of ``POST /v1/messages/contact``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    contacts: list[ContactInput] = Field(min_length=1, max_length=MAX_CONTACTS)
    reply_to: str | None = Field(default=None, min_length=1, max_length=128)


class PollMessageCreate(RequestModel):
    """Body of ``POST /v1/messages/poll``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    question: str = Field(min_length=1, max_length=MAX_POLL_QUESTION_LENGTH)
    options: list[str] = Field(min_length=MIN_POLL_OPTIONS, max_length=MAX_POLL_OPTIONS)
    multiple_answers: StrictBool = False

    @field_validator("question")
    @classmethod
    def _check_question(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("options")
    @classmethod
    def _check_options(cls, value: list[str]) -> list[str]:
        options = [option.strip() for option in value]
        if any(not option for option in options):
            raise ValueError("options must not be blank")
        if any(len(option) > MAX_POLL_OPTION_LENGTH for option in options):
            raise ValueError(
                f"options may be at most {MAX_POLL_OPTION_LENGTH} characters"
            )
        if len(set(options)) != len(options):
            raise ValueError("options must be unique")
        return options


class ReactionCreate(RequestModel):
    """Body of ``POST /v1/messages/reaction``; an empty ``emoji`` removes the reaction."""

    session_id: str = Field(min_length=1, max_length=64)
    message_id: str = Field(min_length=1, max_length=128)
    emoji: str = Field(max_length=MAX_EMOJI_LENGTH)

    @field_validator("emoji")
    @classmethod
    def _check_emoji(cls, value: str) -> str:
        if value and (not value.strip() or _CONTROL.search(value)):
            raise ValueError("must be an emoji, or empty to remove the reaction")
        return value


class ForwardCreate(RequestModel):
    """Body of ``POST /v1/messages/forward``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    message_id: str = Field(min_length=1, max_length=128)


class MessageEdit(RequestModel):
    """Body of ``PATCH /v1/messages/:id``."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class ReadCreate(RequestModel):
    """Body of ``POST /v1/messages/read``: received messages of one chat."""

    session_id: str = Field(min_length=1, max_length=64)
    chat: str = Field(min_length=1, max_length=128)
    message_ids: list[str] = Field(min_length=1, max_length=MAX_READ_IDS)

    @field_validator("message_ids")
    @classmethod
    def _check_ids(cls, value: list[str]) -> list[str]:
        if any(not item or len(item) > 128 for item in value):
            raise ValueError("each id must be 1 to 128 characters")
        return list(dict.fromkeys(value))


class ReadPublic(WireModel):
    """The messages that were marked as read."""

    session_id: str
    chat: str
    message_ids: list[str]


PresenceState = Literal["typing", "recording", "paused", "available", "unavailable"]


class PresenceCreate(RequestModel):
    """Body of ``POST /v1/sessions/:id/presence``."""

    chat: str = Field(min_length=1, max_length=128)
    state: PresenceState


class PresencePublic(WireModel):
    """The presence that was sent."""

    session_id: str
    chat: str
    state: PresenceState


class MessagePublic(WireModel):
    """A message record and its status."""

    id: str
    session_id: str
    to: str
    type: str
    status: MessageStatus
    wa_message_id: str | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None = None
    read_at: datetime | None = None

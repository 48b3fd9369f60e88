"""Request and response bodies of the message routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from wagate_common.schemas.base import WireModel
from wagate_common.storage.messages import MessageStatus

MAX_TEXT_LENGTH = 65536
MAX_MENTIONS = 256


class TextMessageCreate(WireModel):
    """Body of ``POST /v1/messages/text``."""

    session_id: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    reply_to: str | None = Field(default=None, min_length=1, max_length=128)
    mentions: list[str] = Field(default_factory=list, max_length=MAX_MENTIONS)
    link_preview: bool = False


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

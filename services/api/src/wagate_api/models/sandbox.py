"""Request bodies of the sandbox routes, where the caller acts as the phones."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from wagate_api.models.messages import MAX_TEXT_LENGTH
from wagate_common.jid import InvalidJidError, normalize_jid, normalize_phone
from wagate_common.schemas.base import WireModel


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidJidError as error:
        raise ValueError("must be a phone number such as +1 555 010 0002") from error


class SandboxPair(WireModel):
    """Body of ``POST /v1/sandbox/pair``: a phone scans the session's QR code."""

    session_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=1, max_length=32)
    push_name: str | None = Field(default=None, max_length=64)

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str) -> str:
        return _phone(value)


class SandboxMessage(WireModel):
    """Body of ``POST /v1/sandbox/messages``: a contact writes to the session."""

    session_id: str = Field(min_length=1, max_length=64)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    group_id: str | None = Field(default=None, max_length=128)
    reply_to: str | None = Field(default=None, max_length=128)

    @field_validator("sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _phone(value)

    @field_validator("group_id")
    @classmethod
    def _valid_group(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            group = normalize_jid(value)
        except InvalidJidError as error:
            raise ValueError(
                "must be a group JID such as 120363000000000001@g.us"
            ) from error
        if not group.endswith("@g.us"):
            raise ValueError("must be a group JID ending in @g.us")
        return group


class SandboxReceipt(WireModel):
    """Body of ``POST /v1/sandbox/receipts``: the recipient got or read a message."""

    session_id: str = Field(min_length=1, max_length=64)
    message_id: str = Field(min_length=1, max_length=128)
    status: Literal["delivered", "read"]


class SandboxGroup(WireModel):
    """Body of ``POST /v1/sandbox/groups``: the first phone creates a group with
    the others and the session's account in it."""

    session_id: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=100)
    participants: list[str] = Field(min_length=1, max_length=256)

    @field_validator("participants")
    @classmethod
    def _valid_participants(cls, value: list[str]) -> list[str]:
        return [_phone(item) for item in value]

"""Request and response bodies of the session routes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from wagate_api.models.request import RequestModel
from wagate_common.jid import InvalidJidError, normalize_phone
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.sessions import Account, DesiredStatus, Driver, SessionStatus

SESSION_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SESSION_ID_RULE = (
    "must be 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter "
    "or digit"
)
MAX_METADATA_KEYS = 50


class SendPacing(RequestModel):
    """Spacing of a session's sends; a missing field takes the worker's default."""

    min_gap_ms: int | None = Field(default=None, ge=0, le=3_600_000)
    per_minute: int | None = Field(default=None, ge=0, le=10_000)


class SessionCreate(RequestModel):
    """Body of ``POST /v1/sessions``."""

    id: str | None = None
    name: str | None = Field(default=None, max_length=128)
    driver: Driver = Driver.WHATSAPP
    metadata: dict[str, Any] = Field(default_factory=dict)
    send_pacing: SendPacing | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(SESSION_ID_PATTERN, value):
            raise ValueError(SESSION_ID_RULE)
        return value

    @field_validator("metadata")
    @classmethod
    def _limit_metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"at most {MAX_METADATA_KEYS} keys are allowed")
        return value


class SessionUpdate(RequestModel):
    """Body of ``PATCH /v1/sessions/:id``; only the fields present change."""

    name: str | None = Field(default=None, max_length=128)
    metadata: dict[str, Any] | None = None
    send_pacing: SendPacing | None = None

    @field_validator("metadata")
    @classmethod
    def _limit_metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"at most {MAX_METADATA_KEYS} keys are allowed")
        return value


class SessionConnect(RequestModel):
    """Body of ``POST /v1/sessions/:id/connect``; all optional."""

    pairing_phone: str | None = None

    @field_validator("pairing_phone")
    @classmethod
    def _normalize_phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalize_phone(value)
        except InvalidJidError as error:
            raise ValueError("must be a phone number such as +1 555 010 0001") from error


class QrPublic(WireModel):
    """The QR code to scan now."""

    code: str
    image: str
    expires_at: datetime


class SessionPublic(WireModel):
    """A session as the api shows it."""

    id: str
    name: str | None
    driver: Driver
    status: SessionStatus
    desired_status: DesiredStatus
    me: Account | None
    qr: QrPublic | None
    pairing_code: str | None
    shard: int
    worker: str | None
    last_error: str | None
    metadata: dict[str, Any]
    send_pacing: SendPacing | None = None
    created_at: datetime
    updated_at: datetime

"""Request and response bodies of the API key routes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, field_validator

from wagate_api.models.request import RequestModel
from wagate_api.models.sessions import SESSION_ID_PATTERN
from wagate_common.schemas.base import WireModel

Scope = Literal[
    "admin", "sessions", "messages", "contacts", "groups", "webhooks", "states", "queues"
]
MAX_BOUND_SESSIONS = 1000
# Without ``scopes`` a key gets every scope but ``admin``: managing keys is opt-in.
DEFAULT_SCOPES: list[Scope] = [
    "sessions",
    "messages",
    "contacts",
    "groups",
    "webhooks",
    "states",
    "queues",
]


class RateLimitSettings(RequestModel):
    """A key's request budget: ``perMinute`` on average, ``burst`` at once."""

    per_minute: int = Field(ge=1, le=1_000_000)
    burst: int = Field(ge=1, le=1_000_000)


class ApiKeyCreate(RequestModel):
    """Body of ``POST /v1/admin/api-keys``."""

    name: str = Field(min_length=1, max_length=128)
    scopes: list[Scope] = Field(
        default_factory=lambda: list(DEFAULT_SCOPES), min_length=1
    )
    session_ids: list[str] = Field(default_factory=list, max_length=MAX_BOUND_SESSIONS)
    expires_at: datetime | None = None
    rate_limit: RateLimitSettings | None = None

    @field_validator("session_ids")
    @classmethod
    def _check_session_ids(cls, value: list[str]) -> list[str]:
        for session_id in value:
            if not re.match(SESSION_ID_PATTERN, session_id):
                raise ValueError(f"'{session_id}' is not a valid session id")
        return sorted(set(value))

    @field_validator("expires_at")
    @classmethod
    def _check_expiry(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value


class ApiKeyPublic(WireModel):
    """An API key as listed: never the key itself, only its prefix."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    session_ids: list[str]
    rate_limit: RateLimitSettings | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class ApiKeyWithSecret(ApiKeyPublic):
    """The response to a create, with the full key shown this once."""

    key: str

"""Request and response bodies of the conversation state routes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from wagate_api.models.request import RequestModel
from wagate_common.schemas.base import WireModel

MAX_DATA_BYTES = 64 * 1024
MAX_TTL_SECONDS = 366 * 24 * 3600


class StatePut(RequestModel):
    """Body of ``PUT /v1/states/:sessionId/:jid``."""

    state: str = Field(min_length=1, max_length=128)
    data: dict[str, Any] = Field(default_factory=dict)
    ttl_seconds: int | None = Field(default=None, ge=1, le=MAX_TTL_SECONDS)

    @field_validator("data")
    @classmethod
    def _limit_data(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value).encode()) > MAX_DATA_BYTES:
            raise ValueError(f"must be at most {MAX_DATA_BYTES} bytes as JSON")
        return value


class StatePublic(WireModel):
    """A conversation state."""

    session_id: str
    jid: str
    state: str
    data: dict[str, Any]
    version: int
    expires_at: datetime | None
    updated_at: datetime

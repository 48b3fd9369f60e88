"""Request and response bodies of the webhook routes."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

from pydantic import Field, StrictBool, field_validator, model_validator

from wagate_api.models.request import RequestModel
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.events import EventType

ALL_EVENTS = "*"
MAX_HEADERS = 20
SECRET_PREFIX = "whsec_"
# Headers the gateway sets itself; a webhook may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "host",
        "user-agent",
        "transfer-encoding",
        "connection",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")


def _check_events(value: list[str]) -> list[str]:
    known = {event.value for event in EventType}
    unknown = [item for item in value if item != ALL_EVENTS and item not in known]
    if unknown:
        raise ValueError(
            f"unknown event types {unknown}; use '*' or one of {sorted(known)}"
        )
    return list(dict.fromkeys(value))


def _check_secret(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(SECRET_PREFIX):
        raise ValueError("must start with 'whsec_' followed by base64")
    try:
        key = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise ValueError("the part after 'whsec_' must be base64") from error
    if not 24 <= len(key) <= 64:
        raise ValueError("the key must be 24 to 64 bytes long")
    return value


def _check_headers(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    if len(value) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers are allowed")
    for name, header_value in value.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"'{name}' is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"'{name}' is set by the gateway and cannot be overridden")
        if len(header_value) > 1024 or "\n" in header_value or "\r" in header_value:
            raise ValueError(f"the value of '{name}' is too long or has a line break")
    return value


class WebhookCreate(RequestModel):
    """Body of ``POST /v1/webhooks``."""

    url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(min_length=1, max_length=32)
    session_id: str | None = Field(default=None, max_length=64)
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: StrictBool = True
    description: str | None = Field(default=None, max_length=500)

    @field_validator("events")
    @classmethod
    def _valid_events(cls, value: list[str]) -> list[str]:
        return _check_events(value)

    @field_validator("secret")
    @classmethod
    def _valid_secret(cls, value: str | None) -> str | None:
        return _check_secret(value)

    @field_validator("headers")
    @classmethod
    def _valid_headers(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value) or {}


class WebhookUpdate(RequestModel):
    """Body of ``PATCH /v1/webhooks/:id``; absent fields stay as they are."""

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    events: list[str] | None = Field(default=None, min_length=1, max_length=32)
    session_id: str | None = Field(default=None, max_length=64)
    secret: str | None = None
    headers: dict[str, str] | None = None
    enabled: StrictBool | None = None
    description: str | None = Field(default=None, max_length=500)
    rotate_secret: StrictBool = False

    @field_validator("events")
    @classmethod
    def _valid_events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_events(value)

    @field_validator("secret")
    @classmethod
    def _valid_secret(cls, value: str | None) -> str | None:
        return _check_secret(value)

    @field_validator("headers")
    @classmethod
    def _valid_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _check_headers(value)

    @model_validator(mode="after")
    def _one_new_secret(self) -> WebhookUpdate:
        if self.secret is not None and self.rotate_secret:
            raise ValueError(
                "give either 'secret' (your own) or 'rotateSecret': true (a new "
                "random one), not both"
            )
        return self


class WebhookPublic(WireModel):
    """A webhook as listed: never with its secret."""

    id: str
    url: str
    events: list[str]
    session_id: str | None
    headers: dict[str, str]
    enabled: bool
    description: str | None
    disabled_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookPublic):
    """A webhook with its secret, returned only on creation or a secret change."""

    secret: str

"""The reply of every request answered over core NATS request/reply."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wagate_common.schemas.base import WireModel


class ReplyError(WireModel):
    """An error in the api's terms: HTTP status, envelope code and message."""

    status: int
    code: str
    message: str


class Reply(WireModel):
    """``ok`` with data, or an error the api can answer with as it is."""

    ok: bool
    data: dict[str, Any] = Field(default_factory=dict)
    error: ReplyError | None = None

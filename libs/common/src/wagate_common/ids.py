"""Identifiers: time-ordered, so that sorting by id sorts by creation."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime


def new_id(prefix: str) -> str:
    """Return ``<prefix>_`` followed by a millisecond timestamp and 64 random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{millis:012x}{secrets.token_hex(8)}"


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime, truncated to milliseconds."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def isoformat(moment: datetime | None) -> str | None:
    """Format a datetime as RFC 3339 UTC with a ``Z`` suffix."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")

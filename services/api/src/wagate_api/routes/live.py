"""Helpers of the routes that the session's worker serves live (contacts, groups)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from wagate_common.errors import ConflictError, ErrorCode
from wagate_common.schemas.sessions import SessionStatus
from wagate_common.storage.database import Document

ItemT = TypeVar("ItemT")

LIVE_RESPONSES: dict[int | str, dict[str, str]] = {
    409: {"description": "`SESSION_NOT_CONNECTED`: the session is not online."},
    504: {"description": "`WORKER_TIMEOUT`: no worker responded in time."},
}


def require_connected(session: Document) -> None:
    """Reject a session whose record is not ``connected`` without asking its worker.

    The record can lag behind the worker by a moment. When the record is
    ``connected`` but the worker is not, the worker's own 409 reaches the
    caller.

    Raises:
        ConflictError: 409 ``SESSION_NOT_CONNECTED``.
    """
    if session["status"] != SessionStatus.CONNECTED.value:
        raise ConflictError(
            ErrorCode.SESSION_NOT_CONNECTED,
            f"session '{session['_id']}' is {session['status']}, not connected; "
            "connect it and retry",
        )


def page_after(
    items: list[ItemT], key: Callable[[ItemT], str], cursor: str | None, limit: int
) -> tuple[list[ItemT], str | None]:
    """Return up to ``limit`` items whose key sorts after ``cursor``, and the next cursor.

    The worker returns whole lists, so each page is cut from a fresh list
    sorted by ``key``. The cursor is the last key returned, and the next
    page starts after it even when items were added or removed since.
    """
    ordered = sorted(items, key=key)
    if cursor:
        ordered = [item for item in ordered if key(item) > cursor]
    if len(ordered) > limit:
        page = ordered[:limit]
        return page, key(page[-1])
    return ordered, None

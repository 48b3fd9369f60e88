"""Helpers of the routes that the session's worker serves live (contacts, groups)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from wagate_common.errors import ConflictError, ErrorCode
from wagate_common.schemas.sessions import DesiredStatus, SessionStatus
from wagate_common.storage.database import Document

ItemT = TypeVar("ItemT")

# Statuses in which a session whose desired status is connected is still being
# brought online by its worker, which also retries a dropped connection by itself.
CONNECTING_STATUSES = frozenset(
    {
        SessionStatus.CREATED.value,
        SessionStatus.DISCONNECTED.value,
        SessionStatus.CONNECTING.value,
    }
)
PAIRING_STATUSES = frozenset({SessionStatus.QR.value, SessionStatus.PAIRING.value})

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
        raise not_connected_error(session)


def not_connected_error(session: Document) -> ConflictError:
    """Return the 409 of a session whose record is not ``connected``.

    The message names the next step. The caller waits for a session that its
    worker is connecting or reconnecting by itself, links a session that shows
    a QR code or pairing code, and connects any other one.
    """
    session_id = session["_id"]
    status = session["status"]
    if (
        session.get("desiredStatus") == DesiredStatus.CONNECTED.value
        and status in CONNECTING_STATUSES
    ):
        last_error = session.get("lastError")
        if last_error:
            state = f"reconnecting after: {last_error}"
        elif status == SessionStatus.CONNECTING.value:
            state = "connecting"
        else:
            state = "waiting for its worker to connect it"
        message = (
            f"session '{session_id}' is not connected ({state}); retry when its "
            f"status is connected"
        )
    elif status in PAIRING_STATUSES:
        message = (
            f"session '{session_id}' is {status}, not connected; link the device "
            f"with the QR code or pairing code, then retry"
        )
    else:
        message = (
            f"session '{session_id}' is {status}, not connected; connect it and retry"
        )
    return ConflictError(ErrorCode.SESSION_NOT_CONNECTED, message)


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

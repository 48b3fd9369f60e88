"""The envelope every REST response is wrapped in."""

from __future__ import annotations

from typing import Any

from wagate_common.errors import ErrorCode


def success(data: Any) -> dict[str, Any]:
    """Wrap ``data`` in the success envelope."""
    return {"success": True, "data": data}


def page(items: list[Any], next_cursor: str | None, limit: int) -> dict[str, Any]:
    """Wrap one page of a list in the list envelope."""
    return {"success": True, "data": items, "page": {"next": next_cursor, "limit": limit}}


def failure(
    code: ErrorCode, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build the error envelope; ``details`` is left out when empty."""
    error: dict[str, Any] = {"code": code.value, "message": message}
    if details:
        error["details"] = details
    return {"success": False, "error": error}

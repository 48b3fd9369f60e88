"""Helpers shared by the route modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from wagate_api.auth import Principal
from wagate_api.context import ApiContext
from wagate_common.errors import ErrorCode, NotFoundError
from wagate_common.storage.database import Document

Limit = Annotated[int, Query(ge=1, le=500, description="Page size, 1 to 500.")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="The `page.next` of the previous page.")
]


async def load_session(
    context: ApiContext, principal: Principal, session_id: str
) -> Document:
    """Return a session the caller may see, or raise 404 ``SESSION_NOT_FOUND``.

    A key bound to other sessions gets the same 404, so it cannot learn that
    the session exists.
    """
    document = None
    if principal.can_see(session_id):
        document = await context.sessions.get(session_id)
    if document is None:
        raise NotFoundError(ErrorCode.SESSION_NOT_FOUND, "session", session_id)
    return document

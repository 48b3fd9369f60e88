"""Cursor paging over collections ordered by ``_id``."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from wagate_common.storage.database import Document


async def find_page(
    collection: AsyncCollection[Document],
    query: dict[str, Any],
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """Return up to ``limit`` documents after ``cursor`` and the next cursor.

    The cursor is the last ``_id`` returned; ids are time-ordered, so pages
    follow creation order and stay stable while documents are added.
    """
    if cursor:
        query = {"$and": [query, {"_id": {"$gt": cursor}}]}
    found = collection.find(query).sort("_id", ASCENDING).limit(limit + 1)
    documents = await found.to_list(length=limit + 1)
    if len(documents) > limit:
        documents = documents[:limit]
        return documents, str(documents[-1]["_id"])
    return documents, None

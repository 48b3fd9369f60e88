"""The ``api_keys`` collection: key hashes and what each key may do."""

from __future__ import annotations

from datetime import datetime

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import utc_now
from wagate_common.storage.database import Document
from wagate_common.storage.paging import find_page


class ApiKeyRepository:
    """API keys by id, found by the SHA-256 hash of the key (never the key)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["api_keys"]

    async def create(self, document: Document) -> Document:
        """Insert a key; ``document`` carries its ``_id`` and ``hash``."""
        document = {**document, "createdAt": utc_now(), "lastUsedAt": None}
        await self._collection.insert_one(document)
        return document

    async def find_by_hash(self, key_hash: str) -> Document | None:
        """Return the key stored under ``key_hash``, or None."""
        return await self._collection.find_one({"hash": key_hash})

    async def list_page(
        self, cursor: str | None, limit: int
    ) -> tuple[list[Document], str | None]:
        """Return one page of keys in creation order."""
        return await find_page(self._collection, {}, cursor, limit)

    async def delete(self, key_id: str) -> Document | None:
        """Delete a key; return it, or None when it did not exist."""
        return await self._collection.find_one_and_delete({"_id": key_id})

    async def record_last_used(self, last_used: dict[str, datetime]) -> None:
        """Advance ``lastUsedAt`` of many keys in one write; never moves it back."""
        if not last_used:
            return
        updates = [
            UpdateOne({"_id": key_id}, {"$max": {"lastUsedAt": moment}})
            for key_id, moment in last_used.items()
        ]
        await self._collection.bulk_write(updates, ordered=False)

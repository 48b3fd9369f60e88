"""The ``webhooks`` collection."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import utc_now
from wagate_common.storage.database import Document
from wagate_common.storage.paging import find_page


class WebhookRepository:
    """Webhook subscriptions, secrets included (never returned by the api)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["webhooks"]

    async def create(self, document: Document) -> Document:
        """Insert a webhook; ``document`` carries its ``_id``."""
        now = utc_now()
        document = {**document, "createdAt": now, "updatedAt": now}
        await self._collection.insert_one(document)
        return document

    async def get(self, webhook_id: str) -> Document | None:
        """Return one webhook, or None."""
        return await self._collection.find_one({"_id": webhook_id})

    async def list_page(
        self, cursor: str | None, limit: int
    ) -> tuple[list[Document], str | None]:
        """Return one page of webhooks."""
        return await find_page(self._collection, {}, cursor, limit)

    async def list_enabled(self) -> list[Document]:
        """Return every enabled webhook (the dispatcher caches these)."""
        return await self._collection.find({"enabled": True}).to_list(length=None)

    async def update(self, webhook_id: str, fields: dict[str, Any]) -> Document | None:
        """Set ``fields``; return the new document or None."""
        return await self._collection.find_one_and_update(
            {"_id": webhook_id},
            {"$set": {**fields, "updatedAt": utc_now()}},
            return_document=ReturnDocument.AFTER,
        )

    async def delete(self, webhook_id: str) -> bool:
        """Delete a webhook; return whether it existed."""
        result = await self._collection.delete_one({"_id": webhook_id})
        return result.deleted_count == 1

"""The ``idempotency`` collection: the first response to each ``Idempotency-Key``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from wagate_common.ids import utc_now
from wagate_common.storage.database import Document

PENDING = "pending"
COMPLETED = "completed"


class IdempotencyRepository:
    """One record per (API key, idempotency key), removed by a TTL index."""

    def __init__(self, db: AsyncDatabase[Document], retention: timedelta) -> None:
        self._collection = db["idempotency"]
        self._retention = retention

    async def claim(
        self, record_id: str, fingerprint: str, stale_after: timedelta
    ) -> Document | None:
        """Insert a pending record, or return the record that is already there.

        The unique ``_id`` makes exactly one of many concurrent claims succeed.
        A pending record older than ``stale_after`` with the same fingerprint is
        taken over, because the process that ran its request has died.
        """
        now = utc_now()
        try:
            await self._collection.insert_one(
                {
                    "_id": record_id,
                    "fingerprint": fingerprint,
                    "state": PENDING,
                    "createdAt": now,
                    "expiresAt": now + self._retention,
                }
            )
        except DuplicateKeyError:
            existing = await self._collection.find_one({"_id": record_id})
            if existing is None:
                # Released between the insert and the read: claim it again.
                return await self.claim(record_id, fingerprint, stale_after)
            if await self._take_over_stale(existing, fingerprint, now - stale_after):
                return None
            return existing
        return None

    async def _take_over_stale(
        self, record: Document, fingerprint: str, stale_before: datetime
    ) -> bool:
        if record["state"] != PENDING or record["fingerprint"] != fingerprint:
            return False
        created_at: datetime = record["createdAt"]
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        if created_at >= stale_before:
            return False
        # Compare-and-set on createdAt, so one of many concurrent takers wins.
        result = await self._collection.update_one(
            {"_id": record["_id"], "state": PENDING, "createdAt": record["createdAt"]},
            {"$set": {"createdAt": utc_now()}},
        )
        return result.modified_count == 1

    async def get(self, record_id: str) -> Document | None:
        """Return a record, or None."""
        return await self._collection.find_one({"_id": record_id})

    async def complete(
        self, record_id: str, status: int, content_type: str, body: bytes
    ) -> None:
        """Store the response that later requests with the same key replay."""
        await self._collection.update_one(
            {"_id": record_id},
            {
                "$set": {
                    "state": COMPLETED,
                    "status": status,
                    "contentType": content_type,
                    "body": body,
                    "completedAt": utc_now(),
                }
            },
        )

    async def release(self, record_id: str) -> None:
        """Delete a pending record, so the request may be retried with its key."""
        await self._collection.delete_one({"_id": record_id, "state": PENDING})

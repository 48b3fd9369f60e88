"""The ``sandbox_pending`` collection: pushes a device has not acknowledged yet."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import new_id, utc_now
from wagate_common.storage.database import Document
from wagate_sandbox.database import PENDING, SequenceCounter


@dataclass(frozen=True)
class PendingPush:
    """A serialized push waiting for its device."""

    id: str
    kind: str
    payload: bytes


class PendingRepository:
    """Message and receipt pushes kept per session, in the order they happened."""

    def __init__(self, db: AsyncDatabase[Document], sequence: SequenceCounter) -> None:
        self._collection = db[PENDING]
        self._sequence = sequence

    async def append(self, session_id: str, kind: str, payload: bytes) -> None:
        """Keep a push behind every push already kept for the session."""
        await self._collection.insert_one(
            {
                "_id": new_id("push"),
                "sessionId": session_id,
                "seq": await self._sequence.next(),
                "kind": kind,
                "payload": payload.decode(),
                "createdAt": utc_now(),
            }
        )

    async def first(self, session_id: str) -> PendingPush | None:
        """Return the oldest push kept for the session, or None."""
        document = await self._collection.find_one(
            {"sessionId": session_id}, sort=[("seq", 1)]
        )
        if document is None:
            return None
        return PendingPush(
            id=document["_id"],
            kind=document["kind"],
            payload=document["payload"].encode(),
        )

    async def has_any(self, session_id: str) -> bool:
        """Return whether any push is kept for the session."""
        return (
            await self._collection.count_documents({"sessionId": session_id}, limit=1) > 0
        )

    async def remove(self, push_id: str) -> None:
        """Forget a push the device acknowledged."""
        await self._collection.delete_one({"_id": push_id})

    async def clear(self, session_id: str) -> int:
        """Forget every push kept for the session; return how many there were."""
        result = await self._collection.delete_many({"sessionId": session_id})
        return result.deleted_count

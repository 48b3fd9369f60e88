"""The sandbox's own collections, their indexes and a sequence counter."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.storage.database import Document

DEVICES = "sandbox_devices"
INBOX = "sandbox_inbox"
GROUPS = "sandbox_groups"
PENDING = "sandbox_pending"
COUNTERS = "sandbox_counters"
PHONE_MESSAGES = "sandbox_phone_messages"

INDEXES: dict[str, list[IndexModel]] = {
    DEVICES: [IndexModel([("account.phone", ASCENDING)])],
    INBOX: [
        IndexModel([("phone", ASCENDING), ("seq", ASCENDING)]),
        IndexModel([("sessionId", ASCENDING), ("messageId", ASCENDING)]),
        IndexModel([("sessionId", ASCENDING), ("id", ASCENDING)]),
    ],
    PENDING: [IndexModel([("sessionId", ASCENDING), ("seq", ASCENDING)])],
    GROUPS: [IndexModel([("participants", ASCENDING)])],
    PHONE_MESSAGES: [IndexModel([("sessionId", ASCENDING), ("timestamp", ASCENDING)])],
}


async def ensure_sandbox_indexes(db: AsyncDatabase[Document]) -> None:
    """Create the indexes of every sandbox collection; existing ones are kept."""
    for collection, indexes in INDEXES.items():
        await db[collection].create_indexes(indexes)


class SequenceCounter:
    """A counter in MongoDB that orders inbox items and pending pushes.

    Timestamps can tie within a millisecond; the counter never does, and it
    survives restarts.
    """

    def __init__(self, db: AsyncDatabase[Document], name: str = "sequence") -> None:
        self._collection = db[COUNTERS]
        self._name = name

    async def next(self) -> int:
        """Increment the counter and return its new value."""
        document = await self._collection.find_one_and_update(
            {"_id": self._name},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert document is not None  # an upsert always returns the document
        return int(document["value"])

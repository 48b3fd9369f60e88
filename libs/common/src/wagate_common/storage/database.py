"""The MongoDB client and the indexes every collection needs."""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

logger = logging.getLogger(__name__)

Document = dict[str, Any]

INDEXES: dict[str, list[IndexModel]] = {
    "sessions": [
        IndexModel([("shard", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("_id", ASCENDING)]),
    ],
    "messages": [
        IndexModel([("sessionId", ASCENDING), ("waMessageId", ASCENDING)]),
        IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0),
    ],
    "received": [
        IndexModel([("waMessageId", ASCENDING)]),
        IndexModel([("sessionId", ASCENDING)]),
        IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0),
    ],
    "webhooks": [
        IndexModel([("enabled", ASCENDING)]),
    ],
    "states": [
        IndexModel([("sessionId", ASCENDING), ("jid", ASCENDING)], unique=True),
        IndexModel([("sessionId", ASCENDING), ("state", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0),
    ],
    "api_keys": [
        IndexModel([("hash", ASCENDING)], unique=True),
    ],
    "idempotency": [
        IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0),
    ],
}


def open_client(url: str) -> AsyncMongoClient[Document]:
    """Create a client; it connects lazily on the first command."""
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    """Create every index; creating an existing index is a no-op."""
    for collection, indexes in INDEXES.items():
        await db[collection].create_indexes(indexes)
    logger.info("mongodb indexes ready", extra={"database": db.name})

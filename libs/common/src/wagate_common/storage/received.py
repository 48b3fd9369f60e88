"""The ``received`` collection: an index of the messages sessions received.

Kept for the message retention period so that reactions, forwards, read
receipts and media downloads can name a received message by WhatsApp's id
alone. It holds the published event data and the driver's download
description of media; the media bytes themselves are not stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import utc_now
from wagate_common.storage.database import Document


def received_id(session_id: str, wa_message_id: str) -> str:
    """Return the record id of a received message."""
    return f"{session_id}:{wa_message_id}"


class ReceivedRepository:
    """Received messages of every session, by session and WhatsApp id."""

    def __init__(self, db: AsyncDatabase[Document], retention_days: int) -> None:
        self._collection = db["received"]
        self._retention = timedelta(days=retention_days)

    async def record(
        self,
        session_id: str,
        wa_message_id: str,
        *,
        chat: str,
        sender: str,
        from_me: bool,
        message_type: str,
        received_at: datetime,
        data: dict[str, Any],
        download: dict[str, Any] | None = None,
    ) -> None:
        """Store a received message; storing one again replaces it."""
        now = utc_now()
        document: Document = {
            "_id": received_id(session_id, wa_message_id),
            "sessionId": session_id,
            "waMessageId": wa_message_id,
            "chat": chat,
            "sender": sender,
            "fromMe": from_me,
            "type": message_type,
            "data": data,
            "download": download,
            "receivedAt": received_at,
            "expiresAt": now + self._retention,
        }
        await self._collection.replace_one(
            {"_id": document["_id"]}, document, upsert=True
        )

    async def get(self, session_id: str, wa_message_id: str) -> Document | None:
        """Return a received message of one session, or None."""
        return await self._collection.find_one(
            {"_id": received_id(session_id, wa_message_id)}
        )

    async def find(self, wa_message_id: str) -> Document | None:
        """Return a received message by WhatsApp's id alone, in any session."""
        return await self._collection.find_one({"waMessageId": wa_message_id})

    async def delete_session(self, session_id: str) -> int:
        """Delete every received message of a session; return how many."""
        result = await self._collection.delete_many({"sessionId": session_id})
        return result.deleted_count

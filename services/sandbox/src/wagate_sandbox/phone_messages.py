"""The ``sandbox_phone_messages`` collection: messages phones sent to sessions.

The network keeps them so that a phone can revoke or react to its own
messages, a session's read receipts reach their authors, and the senders
count as the session's contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import utc_now
from wagate_common.storage.database import Document
from wagate_sandbox.database import PHONE_MESSAGES


@dataclass(frozen=True)
class PhoneMessage:
    """A message a phone sent to a session, directly or in a group."""

    wa_message_id: str
    session_id: str
    sender: str
    chat: str
    type: str
    timestamp: datetime
    push_name: str | None = None
    revoked: bool = False


class PhoneMessageRepository:
    """Messages of phones by WhatsApp id."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db[PHONE_MESSAGES]

    async def add(self, message: PhoneMessage) -> None:
        """Store a message a phone sent."""
        await self._collection.insert_one(
            {
                "_id": f"{message.wa_message_id}:{message.session_id}",
                "id": message.wa_message_id,
                "sessionId": message.session_id,
                "from": message.sender,
                "chat": message.chat,
                "type": message.type,
                "pushName": message.push_name,
                "timestamp": message.timestamp,
                "revoked": False,
            }
        )

    async def get(self, session_id: str, wa_message_id: str) -> PhoneMessage | None:
        """Return a phone's message to ``session_id``, or None."""
        document = await self._collection.find_one(
            {"_id": f"{wa_message_id}:{session_id}"}
        )
        if document is None:
            return None
        return PhoneMessage(
            wa_message_id=document["id"],
            session_id=document["sessionId"],
            sender=document["from"],
            chat=document["chat"],
            type=document["type"],
            timestamp=document["timestamp"],
            push_name=document.get("pushName"),
            revoked=bool(document.get("revoked")),
        )

    async def mark_revoked(self, session_id: str, wa_message_id: str) -> None:
        """Record that the author deleted the message for everyone."""
        await self._collection.update_one(
            {"_id": f"{wa_message_id}:{session_id}"},
            {"$set": {"revoked": True, "revokedAt": utc_now()}},
        )

    async def mark_read(self, session_id: str, wa_message_ids: list[str]) -> None:
        """Record that the session read these messages."""
        keys = [f"{wa_message_id}:{session_id}" for wa_message_id in wa_message_ids]
        await self._collection.update_many(
            {"_id": {"$in": keys}, "readAt": None}, {"$set": {"readAt": utc_now()}}
        )

    async def senders_to(self, session_id: str) -> dict[str, str | None]:
        """Return each phone JID that wrote to the session, with its last push name."""
        senders: dict[str, str | None] = {}
        found = self._collection.find({"sessionId": session_id}).sort("timestamp", 1)
        async for document in found:
            name = document.get("pushName")
            if name or document["from"] not in senders:
                senders[document["from"]] = name
        return senders

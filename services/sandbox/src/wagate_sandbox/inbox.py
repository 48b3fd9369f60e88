"""The ``sandbox_inbox`` collection: what each sandbox phone received.

One item per message and receiving phone; a message to a group leaves one item
in the inbox of every participant except the sender. The api lists items
through ``wagate.sbx.api.inbox``; each listed item is a dict with these keys:

- ``id``: WhatsApp's message id (``3EB0…``), the same in every copy;
- ``messageId``: the gateway's message id the session sent it under;
- ``sessionId``; ``from``: the session's account JID; ``to``: the phone's JID,
  or the group JID for a group message;
- ``type``: always ``"text"``; ``text``; ``replyTo`` (or null); ``mentions``;
- ``timestamp``: RFC 3339 UTC; ``status``: ``sent``, ``delivered`` or ``read``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import isoformat, utc_now
from wagate_common.storage.database import Document
from wagate_sandbox.database import INBOX, SequenceCounter

STATUS_ORDER = ["sent", "delivered", "read"]


@dataclass(frozen=True)
class SentMessage:
    """A text a session sent, as the network stores it for each recipient."""

    wa_message_id: str
    message_id: str
    session_id: str
    sender: str
    to: str
    text: str
    timestamp: datetime
    reply_to: str | None = None
    mentions: list[str] = field(default_factory=list)


class InboxRepository:
    """Messages received by sandbox phones, newest last.

    NOTE: items are never expired, so the collection grows with every send.
    """

    def __init__(self, db: AsyncDatabase[Document], sequence: SequenceCounter) -> None:
        self._collection = db[INBOX]
        self._sequence = sequence

    async def add(self, message: SentMessage, phones: list[str]) -> None:
        """Store one copy of ``message`` in the inbox of each of ``phones``."""
        documents = [await self._document(message, phone) for phone in phones]
        if documents:
            await self._collection.insert_many(documents)

    async def find_sent(self, session_id: str, message_id: str) -> Document | None:
        """Return one stored copy of a session's message by the gateway's id."""
        return await self._collection.find_one(
            {"sessionId": session_id, "messageId": message_id}
        )

    async def find_copies(self, session_id: str, message_id: str) -> list[Document]:
        """Return every copy of a session's message by the gateway's or WhatsApp's id."""
        found = self._collection.find(
            {
                "sessionId": session_id,
                "$or": [{"messageId": message_id}, {"id": message_id}],
            }
        ).sort("seq")
        return await found.to_list(length=None)

    async def advance_status(
        self, session_id: str, wa_message_id: str, status: str
    ) -> int:
        """Move every copy of a message forward to ``status``; return how many moved.

        A copy already at ``status`` or past it stays as it is.
        """
        earlier = STATUS_ORDER[: STATUS_ORDER.index(status)]
        result = await self._collection.update_many(
            {"sessionId": session_id, "id": wa_message_id, "status": {"$in": earlier}},
            {"$set": {"status": status, "updatedAt": utc_now()}},
        )
        return result.modified_count

    async def list_for(self, phone: str, limit: int) -> list[dict[str, Any]]:
        """Return the newest ``limit`` items of a phone's inbox, oldest first."""
        found = self._collection.find({"phone": phone}).sort("seq", DESCENDING)
        documents = await found.limit(limit).to_list(length=limit)
        return [to_public_item(document) for document in reversed(documents)]

    async def _document(self, message: SentMessage, phone: str) -> Document:
        return {
            "_id": f"{message.wa_message_id}:{phone}",
            "phone": phone,
            "seq": await self._sequence.next(),
            "id": message.wa_message_id,
            "messageId": message.message_id,
            "sessionId": message.session_id,
            "from": message.sender,
            "to": message.to,
            "type": "text",
            "text": message.text,
            "replyTo": message.reply_to,
            "mentions": list(message.mentions),
            "timestamp": message.timestamp,
            "status": "sent",
            "updatedAt": message.timestamp,
        }


def to_public_item(document: Document) -> dict[str, Any]:
    """Return an inbox item in the shape the api lists it."""
    return {
        "id": document["id"],
        "messageId": document["messageId"],
        "sessionId": document["sessionId"],
        "from": document["from"],
        "to": document["to"],
        "type": document["type"],
        "text": document["text"],
        "replyTo": document.get("replyTo"),
        "mentions": document.get("mentions", []),
        "timestamp": isoformat(document["timestamp"]),
        "status": document["status"],
    }

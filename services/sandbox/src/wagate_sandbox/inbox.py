"""The ``sandbox_inbox`` collection: what each sandbox phone received from sessions.

One entry per message (or action) and receiving phone; a message to a group
leaves one entry in the inbox of every participant except the sender. The
api lists entries through ``wagate.sbx.api.inbox``; every listed entry has
all of these keys, null (or empty, or false) when they do not apply:

- ``id``: WhatsApp's message id (``3EB0…``), the same in every copy; null
  for ``read`` and ``presence`` entries;
- ``messageId``: the gateway's message id the session sent it under, or null;
- ``sessionId``; ``from``: the session's account JID; ``to``: the phone's JID,
  or the group JID for a group message;
- ``type``: ``text``, ``image``, ``video``, ``audio``, ``document``,
  ``sticker``, ``location``, ``contact``, ``poll``, ``reaction``, ``read``
  or ``presence``;
- ``text``; ``caption``; ``media``: ``{mimetype, size, sha256, filename,
  ptt}``; ``location``: ``{latitude, longitude, name, address}``;
  ``contacts``: ``[{name, phone, vcard}]``; ``poll``: ``{question, options,
  selectable}``; ``replyTo``; ``mentions``; ``forwarded``; ``linkPreview``:
  ``{url, title, description}``;
- ``reaction``: ``{targetId, emoji}`` on a ``reaction`` entry; an empty emoji
  removed the session's reaction;
- ``reactions``: ``[{from, emoji, timestamp}]`` on a message entry, the
  current reaction of each session or phone that reacted to it;
- ``edited``, ``editedAt``: the session edited the text (or caption), which
  shows the new one;
- ``revoked``, ``revokedAt``: the session deleted the message for everyone;
  its content fields are then null or empty, as the phone shows only
  "This message was deleted";
- ``readIds``: on a ``read`` entry, the ids of the phone's messages the
  session marked read;
- ``presence``: on a ``presence`` entry, the state the session showed
  (``typing``, ``recording``, ``paused``, ``available``, ``unavailable``);
- ``timestamp``: RFC 3339 UTC; ``status``: ``sent``, ``delivered`` or
  ``read`` for messages and reactions, null for ``read`` and ``presence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import isoformat, new_id, utc_now
from wagate_common.storage.database import Document
from wagate_sandbox.database import INBOX, SequenceCounter

STATUS_ORDER = ["sent", "delivered", "read"]

# Content fields, and their value once the message is revoked.
CONTENT_DEFAULTS: dict[str, Any] = {
    "text": None,
    "caption": None,
    "media": None,
    "location": None,
    "contacts": [],
    "poll": None,
    "replyTo": None,
    "mentions": [],
    "forwarded": False,
    "linkPreview": None,
}


@dataclass(frozen=True)
class InboxEntry:
    """Something a session sent to phones, as the network stores it for each one.

    ``fields`` holds the content fields of :data:`CONTENT_DEFAULTS` and the
    action fields (``reaction``, ``readIds``, ``presence``) in camelCase.
    """

    wa_message_id: str | None
    message_id: str | None
    session_id: str
    sender: str
    to: str
    type: str
    timestamp: datetime
    fields: dict[str, Any]


class InboxRepository:
    """Entries received by sandbox phones, newest last.

    NOTE: entries are never expired, so the collection grows with every send.
    """

    def __init__(self, db: AsyncDatabase[Document], sequence: SequenceCounter) -> None:
        self._collection = db[INBOX]
        self._sequence = sequence

    async def add(self, entry: InboxEntry, phones: list[str]) -> None:
        """Store one copy of ``entry`` in the inbox of each of ``phones``."""
        documents = [await self._document(entry, phone) for phone in phones]
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

    async def find_in_inbox(
        self, phone: str, session_id: str, message_id: str
    ) -> Document | None:
        """Return a phone's copy of a session's message by either id, or None."""
        return await self._collection.find_one(
            {
                "phone": phone,
                "sessionId": session_id,
                "id": {"$ne": None},
                "$or": [{"messageId": message_id}, {"id": message_id}],
            }
        )

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

    async def set_reaction(
        self, wa_message_id: str, reactor: str, emoji: str, timestamp: datetime
    ) -> int:
        """Record ``reactor``'s reaction on every copy of a message; "" removes it.

        Returns how many copies exist.
        """
        query = {"id": wa_message_id, "type": {"$nin": ["reaction", "read", "presence"]}}
        result = await self._collection.update_many(
            query, {"$pull": {"reactions": {"from": reactor}}}
        )
        if emoji:
            reaction = {"from": reactor, "emoji": emoji, "timestamp": timestamp}
            await self._collection.update_many(query, {"$push": {"reactions": reaction}})
        return result.matched_count

    async def edit(self, session_id: str, wa_message_id: str, text: str) -> None:
        """Replace the text (or the caption of media) of every copy of a message."""
        now = utc_now()
        for document in await self.find_copies(session_id, wa_message_id):
            field = "text" if document["type"] == "text" else "caption"
            await self._collection.update_one(
                {"_id": document["_id"]},
                {
                    "$set": {
                        field: text,
                        "edited": True,
                        "editedAt": now,
                        "updatedAt": now,
                    }
                },
            )

    async def revoke(self, session_id: str, wa_message_id: str) -> None:
        """Mark every copy of a message deleted for everyone and hide its content."""
        now = utc_now()
        await self._collection.update_many(
            {"sessionId": session_id, "id": wa_message_id},
            {
                "$set": {
                    **CONTENT_DEFAULTS,
                    "revoked": True,
                    "revokedAt": now,
                    "updatedAt": now,
                }
            },
        )

    async def list_for(self, phone: str, limit: int) -> list[dict[str, Any]]:
        """Return the newest ``limit`` entries of a phone's inbox, oldest first."""
        found = self._collection.find({"phone": phone}).sort("seq", DESCENDING)
        documents = await found.limit(limit).to_list(length=limit)
        return [to_public_item(document) for document in reversed(documents)]

    async def phones_of_session(self, session_id: str) -> list[str]:
        """Return every phone that received something from the session."""
        phones = await self._collection.distinct("phone", {"sessionId": session_id})
        return [str(phone) for phone in phones]

    async def _document(self, entry: InboxEntry, phone: str) -> Document:
        is_message = entry.type not in ("read", "presence")
        key = entry.wa_message_id if entry.wa_message_id else new_id("entry")
        return {
            **CONTENT_DEFAULTS,
            **entry.fields,
            "_id": f"{key}:{phone}",
            "phone": phone,
            "seq": await self._sequence.next(),
            "id": entry.wa_message_id,
            "messageId": entry.message_id,
            "sessionId": entry.session_id,
            "from": entry.sender,
            "to": entry.to,
            "type": entry.type,
            "timestamp": entry.timestamp,
            "status": "sent" if is_message else None,
            "updatedAt": entry.timestamp,
        }


def to_public_item(document: Document) -> dict[str, Any]:
    """Return an inbox entry in the shape the api lists it."""
    item: dict[str, Any] = {
        "id": document["id"],
        "messageId": document.get("messageId"),
        "sessionId": document["sessionId"],
        "from": document["from"],
        "to": document["to"],
        "type": document["type"],
    }
    for field, default in CONTENT_DEFAULTS.items():
        item[field] = document.get(field, default)
    item["reaction"] = document.get("reaction")
    item["reactions"] = [
        {**reaction, "timestamp": isoformat(reaction["timestamp"])}
        for reaction in document.get("reactions", [])
    ]
    item["edited"] = bool(document.get("edited"))
    item["editedAt"] = isoformat(document.get("editedAt"))
    item["revoked"] = bool(document.get("revoked"))
    item["revokedAt"] = isoformat(document.get("revokedAt"))
    item["readIds"] = document.get("readIds", [])
    item["presence"] = document.get("presence")
    item["timestamp"] = isoformat(document["timestamp"])
    item["status"] = document.get("status")
    return item

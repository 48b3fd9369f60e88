"""The ``messages`` collection: one record per outgoing message."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import utc_now
from wagate_common.storage.database import Document


class MessageStatus(StrEnum):
    """Status of an outgoing message; each later step implies the earlier ones."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"
    FAILED = "failed"


_ORDER = [
    MessageStatus.QUEUED,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.READ,
    MessageStatus.PLAYED,
]
_TIMESTAMP_FIELD = {
    MessageStatus.SENT: "sentAt",
    MessageStatus.DELIVERED: "deliveredAt",
    MessageStatus.READ: "readAt",
    MessageStatus.PLAYED: "playedAt",
}


def _stamps_implied_by(status: MessageStatus) -> list[str]:
    """Return the receipt timestamp fields of the receipt statuses before ``status``.

    A ``read`` receipt may come without a ``delivered`` one before it, yet a
    read message was delivered, so ``deliveredAt`` must be set as well (and
    ``readAt`` for ``played``).
    """
    skipped = _ORDER[_ORDER.index(MessageStatus.DELIVERED) : _ORDER.index(status)]
    return [_TIMESTAMP_FIELD[step] for step in skipped]


def statuses_before(status: MessageStatus) -> list[str]:
    """Return the statuses a record may move from to reach ``status``."""
    return [step.value for step in _ORDER[: _ORDER.index(status)]]


class MessageRepository:
    """Message records and their status, kept for the retention period."""

    def __init__(self, db: AsyncDatabase[Document], retention_days: int) -> None:
        self._collection = db["messages"]
        self._retention = timedelta(days=retention_days)

    async def create(
        self,
        message_id: str,
        session_id: str,
        to: str,
        message_type: str,
        content: dict[str, Any] | None = None,
    ) -> Document:
        """Insert a record in status ``queued``.

        ``content`` is the command's content in wire form, kept so that the
        message can be forwarded, edited or revoked later.
        """
        now = utc_now()
        document: Document = {
            "_id": message_id,
            "sessionId": session_id,
            "to": to,
            "type": message_type,
            "content": content,
            "status": MessageStatus.QUEUED.value,
            "waMessageId": None,
            "error": None,
            "createdAt": now,
            "updatedAt": now,
            "sentAt": None,
            "revokedAt": None,
            "revokedBy": None,
            "expiresAt": now + self._retention,
        }
        await self._collection.insert_one(document)
        return document

    async def get(self, message_id: str) -> Document | None:
        """Return a record by our id or by WhatsApp's id."""
        return await self._collection.find_one(
            {"$or": [{"_id": message_id}, {"waMessageId": message_id}]}
        )

    async def find_by_wa_id(self, session_id: str, wa_message_id: str) -> Document | None:
        """Return the record of a session's message by WhatsApp's id."""
        return await self._collection.find_one(
            {"sessionId": session_id, "waMessageId": wa_message_id}
        )

    async def mark_sent(
        self, message_id: str, wa_message_id: str, sent_at: datetime
    ) -> Document | None:
        """Record a successful send; a record already past ``sent`` is left alone."""
        return await self._advance(
            {"_id": message_id},
            MessageStatus.SENT,
            {"waMessageId": wa_message_id, "sentAt": sent_at},
        )

    async def mark_revoked(
        self,
        session_id: str,
        wa_message_id: str,
        revoked_at: datetime,
        revoked_by: str | None = None,
    ) -> Document | None:
        """Record that a message the session sent was deleted for everyone.

        ``revoked_by`` is our id of the ``revoke`` record that deleted it, or
        None when it was deleted outside the gateway (on the phone, or by a
        group admin). The first revoke recorded stays. Returns the record, or
        None when the session sent no message with that WhatsApp id.
        """
        record = await self._collection.find_one_and_update(
            # {"revokedAt": None} also matches records created before the field.
            {"sessionId": session_id, "waMessageId": wa_message_id, "revokedAt": None},
            {
                "$set": {
                    "revokedAt": revoked_at,
                    "revokedBy": revoked_by,
                    "updatedAt": utc_now(),
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if record is None:
            record = await self.find_by_wa_id(session_id, wa_message_id)
        return record

    async def mark_status(
        self, session_id: str, wa_message_id: str, status: MessageStatus
    ) -> Document | None:
        """Advance a record to a receipt's status; never moves it backwards.

        A receipt that skips a step also sets the skipped receipt timestamps
        that are still unset: ``read`` sets ``deliveredAt`` to the same time.
        """
        return await self._advance(
            {"sessionId": session_id, "waMessageId": wa_message_id}, status, {}
        )

    async def mark_failed(self, message_id: str, error: str) -> Document | None:
        """Record a send that failed for good; only a queued record can fail."""
        return await self._collection.find_one_and_update(
            {"_id": message_id, "status": MessageStatus.QUEUED.value},
            {
                "$set": {
                    "status": MessageStatus.FAILED.value,
                    "error": error,
                    "updatedAt": utc_now(),
                }
            },
            return_document=ReturnDocument.AFTER,
        )

    async def requeue(self, message_id: str) -> Document | None:
        """Move a failed record back to ``queued`` for a retry; None unless it failed."""
        return await self._collection.find_one_and_update(
            {"_id": message_id, "status": MessageStatus.FAILED.value},
            {
                "$set": {
                    "status": MessageStatus.QUEUED.value,
                    "error": None,
                    "updatedAt": utc_now(),
                }
            },
            return_document=ReturnDocument.AFTER,
        )

    async def _advance(
        self, match: dict[str, Any], status: MessageStatus, fields: dict[str, Any]
    ) -> Document | None:
        now = utc_now()
        values = {**fields, "status": status.value, "updatedAt": now}
        stamp = _TIMESTAMP_FIELD.get(status)
        if stamp and stamp not in values:
            values[stamp] = now
        # A pipeline update, so that a skipped step's timestamp is set only when
        # missing. $literal keeps a value that starts with "$" from being read
        # as a field path.
        update: dict[str, Any] = {
            name: {"$literal": value} for name, value in values.items()
        }
        for implied in _stamps_implied_by(status):
            update[implied] = {"$ifNull": [f"${implied}", now]}
        return await self._collection.find_one_and_update(
            {**match, "status": {"$in": statuses_before(status)}},
            [{"$set": update}],
            return_document=ReturnDocument.AFTER,
        )

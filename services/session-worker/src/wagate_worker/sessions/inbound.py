"""Incoming messages and receipts of a session."""

from __future__ import annotations

import logging

from wagate_common.schemas.events import EventType
from wagate_common.storage.messages import MessageStatus
from wagate_worker.drivers.base import MessageReceived, ReceiptReceived
from wagate_worker.events.payloads import message_ack_data, message_received_data
from wagate_worker.sessions.context import RuntimeContext

logger = logging.getLogger(__name__)

RECEIPT_STATUSES = frozenset(
    {MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.PLAYED}
)


class InboundHandler:
    """Publishes incoming messages and applies receipts to message records."""

    def __init__(self, context: RuntimeContext, session_id: str) -> None:
        self._context = context
        self._session_id = session_id

    async def message(self, event: MessageReceived) -> None:
        """Publish ``message.received``."""
        await self._context.publisher.publish(
            self._session_id, EventType.MESSAGE_RECEIVED, message_received_data(event)
        )
        logger.info(
            "message received",
            extra={"session_id": self._session_id, "wa_message_id": event.wa_message_id},
        )

    async def receipt(self, event: ReceiptReceived) -> None:
        """Advance each message's record and publish one ``message.ack`` per message."""
        status = receipt_status(event.status)
        if status is None:
            logger.warning(
                "receipt of unknown status ignored",
                extra={"session_id": self._session_id, "status": event.status},
            )
            return

        for wa_message_id in event.wa_message_ids:
            message_id = await self._advance(wa_message_id, status)
            data = message_ack_data(
                message_id, wa_message_id, event.chat, status.value, event.timestamp
            )
            await self._context.publisher.publish(
                self._session_id, EventType.MESSAGE_ACK, data
            )
        logger.info(
            "receipt applied",
            extra={
                "session_id": self._session_id,
                "status": status.value,
                "messages": len(event.wa_message_ids),
            },
        )

    async def _advance(self, wa_message_id: str, status: MessageStatus) -> str | None:
        """Advance the record; return our id of the message, or None if unknown."""
        messages = self._context.messages
        record = await messages.mark_status(self._session_id, wa_message_id, status)
        if record is None:
            # Already at or past this status, or not a message we sent.
            record = await messages.find_by_wa_id(self._session_id, wa_message_id)
        return str(record["_id"]) if record else None


def receipt_status(value: str) -> MessageStatus | None:
    """Return the record status a receipt of type ``value`` moves to, or None."""
    try:
        status = MessageStatus(value)
    except ValueError:
        return None
    return status if status in RECEIPT_STATUSES else None

"""Incoming messages and receipts of a session."""

from __future__ import annotations

import logging

from wagate_common.schemas.events import EventType
from wagate_common.storage.messages import MessageStatus
from wagate_worker.drivers.base import (
    CallReceived,
    GroupParticipantsChanged,
    GroupUpdated,
    MessageReceived,
    MessageRevoked,
    PresenceChanged,
    ReactionReceived,
    ReceiptReceived,
)
from wagate_worker.events.payloads import (
    call_received_data,
    group_participants_data,
    group_update_data,
    message_ack_data,
    message_reaction_data,
    message_received_data,
    message_revoked_data,
    presence_update_data,
)
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
        """Index the message, then publish ``message.received``.

        The index comes first: a client that reacts to the event at once can
        already name the message by WhatsApp's id.
        """
        data = message_received_data(event)
        media = event.content.media
        await self._context.received.record(
            self._session_id,
            event.wa_message_id,
            chat=event.chat,
            sender=event.sender,
            from_me=event.from_me,
            message_type=event.content.type,
            received_at=event.timestamp,
            data=data,
            download=media.download if media is not None else None,
        )
        await self._context.publisher.publish(
            self._session_id, EventType.MESSAGE_RECEIVED, data
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

    async def reaction(self, event: ReactionReceived) -> None:
        """Publish ``message.reaction``."""
        target = await self._our_id(event.target_wa_message_id)
        data = message_reaction_data(event, target)
        await self._publish(EventType.MESSAGE_REACTION, data)

    async def revoked(self, event: MessageRevoked) -> None:
        """Mark the record revoked if the session sent the message, then publish.

        The mark makes the api reject later reactions, edits and revokes of a
        message deleted outside the gateway, as after a revoke through it.
        """
        record = await self._context.messages.mark_revoked(
            self._session_id, event.wa_message_id, event.timestamp
        )
        message_id = str(record["_id"]) if record else None
        data = message_revoked_data(event, message_id)
        await self._publish(EventType.MESSAGE_REVOKED, data)

    async def group_participants(self, event: GroupParticipantsChanged) -> None:
        """Publish ``group.participants``."""
        await self._publish(EventType.GROUP_PARTICIPANTS, group_participants_data(event))

    async def group_update(self, event: GroupUpdated) -> None:
        """Publish ``group.update``."""
        await self._publish(EventType.GROUP_UPDATE, group_update_data(event))

    async def presence(self, event: PresenceChanged) -> None:
        """Publish ``presence.update``."""
        await self._publish(EventType.PRESENCE_UPDATE, presence_update_data(event))

    async def call(self, event: CallReceived) -> None:
        """Publish ``call.received``."""
        await self._publish(EventType.CALL_RECEIVED, call_received_data(event))

    async def _publish(self, event_type: EventType, data: dict[str, object]) -> None:
        await self._context.publisher.publish(self._session_id, event_type, data)
        logger.info(
            "event published", extra={"session_id": self._session_id, "type": event_type}
        )

    async def _our_id(self, wa_message_id: str) -> str | None:
        """Return our id of a message the session sent, or None."""
        record = await self._context.messages.find_by_wa_id(
            self._session_id, wa_message_id
        )
        return str(record["_id"]) if record else None

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

"""Finding the earlier message that a reaction, forward, edit or revoke names."""

from __future__ import annotations

from dataclasses import dataclass

from wagate_api.context import ApiContext
from wagate_common.errors import ConflictError, ErrorCode, WagateError
from wagate_common.schemas.commands import MessageTarget
from wagate_common.storage.database import Document


@dataclass(frozen=True)
class FoundMessage:
    """A message of a session: our record (``sent``) or a received one.

    Exactly one of ``sent`` and ``received`` is set.
    """

    sent: Document | None = None
    received: Document | None = None

    def target(self) -> MessageTarget:
        """Return the target that identifies this message to WhatsApp.

        Raises:
            ConflictError: 409 ``MESSAGE_NOT_SENT`` for our record that has no
                WhatsApp id yet (queued or failed).
        """
        if self.sent is not None:
            return sent_target(self.sent)
        assert self.received is not None
        return MessageTarget(
            wa_message_id=self.received["waMessageId"],
            chat=self.received["chat"],
            from_me=self.received["fromMe"],
            sender=self.received.get("sender"),
        )


def sent_target(record: Document) -> MessageTarget:
    """Return the target of a message the session sent.

    Raises:
        ConflictError: 409 ``MESSAGE_NOT_SENT`` when it has no WhatsApp id yet.
    """
    wa_message_id = record.get("waMessageId")
    if not wa_message_id:
        raise ConflictError(
            ErrorCode.MESSAGE_NOT_SENT,
            f"message '{record['_id']}' is {record['status']} and has no WhatsApp id "
            f"yet; retry once it is sent",
        )
    return MessageTarget(wa_message_id=wa_message_id, chat=record["to"], from_me=True)


async def find_message(
    context: ApiContext, session_id: str, message_id: str
) -> FoundMessage:
    """Find a message of ``session_id`` by our id or WhatsApp's id.

    Our records come first, then received messages. A message of another
    session is not found, like an unknown one.

    Raises:
        WagateError: 404 ``NOT_FOUND``.
    """
    record = await context.messages.get(message_id)
    if record is not None and record["sessionId"] != session_id:
        # The same WhatsApp id may exist in several sessions; look in this one.
        record = await context.messages.find_by_wa_id(session_id, message_id)
    if record is not None:
        return FoundMessage(sent=record)
    received = await context.received.get(session_id, message_id)
    if received is not None:
        return FoundMessage(received=received)
    raise message_not_found(message_id, session_id)


def message_not_found(message_id: str, session_id: str | None = None) -> WagateError:
    """Return the 404 of an unknown message (or one the caller may not see)."""
    where = f" in session '{session_id}'" if session_id else ""
    return WagateError(
        404, ErrorCode.NOT_FOUND, f"message '{message_id}' not found{where}"
    )

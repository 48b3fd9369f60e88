"""Finding the earlier message that a reaction, forward, edit or revoke names.

Only a message can be such a target: a reaction, edit or revoke record cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wagate_api.context import ApiContext
from wagate_common.errors import ConflictError, ErrorCode, WagateError
from wagate_common.schemas.commands import MessageTarget
from wagate_common.storage.database import Document

# Record types that are messages of their own. Reaction, edit and revoke records
# only act on one of these, so nothing can react to, edit or revoke them.
MESSAGE_TYPES = frozenset(
    {
        "text",
        "image",
        "video",
        "audio",
        "document",
        "sticker",
        "location",
        "contact",
        "poll",
    }
)
Action = Literal["reacted to", "edited", "revoked"]


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


def require_message_record(record: Document, message_id: str, action: Action) -> None:
    """Raise when our record is a reaction, edit or revoke rather than a message.

    Raises:
        WagateError: 422 ``UNSUPPORTED_MESSAGE_TYPE`` with a hint that fits the
            record's type and ``action``.
    """
    record_type = str(record["type"])
    if record_type in MESSAGE_TYPES:
        return
    article = "an" if record_type[:1] in ("a", "e", "i", "o", "u") else "a"
    message = (
        f"message '{message_id}' is {article} {record_type} record, not a message, "
        f"so it cannot be {action}"
    )
    hint = _action_record_hint(record, action)
    if hint:
        message = f"{message}; {hint}"
    raise WagateError(422, ErrorCode.UNSUPPORTED_MESSAGE_TYPE, message)


def require_not_revoked(record: Document, message_id: str, action: Action) -> None:
    """Raise when our record shows that its message was deleted for everyone.

    A revoke is recorded on its target once it is sent, so a revoke that is
    still queued does not count yet. The worker then fails the later action.

    Raises:
        WagateError: 422 ``UNSUPPORTED_MESSAGE_TYPE`` naming the revoke.
    """
    if record.get("revokedAt") is None:
        return
    revoked_by = record.get("revokedBy")
    by = f" by revoke '{revoked_by}'" if revoked_by else " outside the gateway"
    message = f"message '{message_id}' was already revoked (deleted for everyone){by}"
    if action != "revoked":
        message = f"{message}, so it cannot be {action}"
    raise WagateError(422, ErrorCode.UNSUPPORTED_MESSAGE_TYPE, message)


def _action_record_hint(record: Document, action: Action) -> str | None:
    """Return what to do instead with the message that ``record`` acts on."""
    target = ((record.get("content") or {}).get("target") or {}).get("waMessageId")
    original = f"message '{target}'" if target else "the original message"
    if record["type"] == "reaction":
        if action == "revoked":
            return f"send an empty reaction to {original} to remove the reaction"
        return (
            f"send a new reaction to {original} instead, which replaces the "
            f"session's earlier one"
        )
    if record["type"] == "edit":
        if action == "edited":
            return f"send a new edit of {original} instead"
        verb = "revoke" if action == "revoked" else "react to"
        return f"{verb} the edited {original} instead"
    if record["type"] == "revoke":
        return f"it deleted {original} for everyone, which cannot be undone"
    return None

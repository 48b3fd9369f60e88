"""The ``data`` of each event the worker publishes, in camelCase wire names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wagate_common.ids import isoformat
from wagate_common.jid import InvalidJidError, parse_jid
from wagate_common.schemas.sessions import SessionStatus
from wagate_worker.drivers.base import MessageReceived, SendResult


def session_status_data(
    status: SessionStatus,
    previous: SessionStatus,
    me: dict[str, Any] | None,
    last_error: str | None,
    pairing_code: str | None,
) -> dict[str, Any]:
    """Data of ``session.status``; ``pairingCode`` only while pairing by phone."""
    data: dict[str, Any] = {
        "status": status.value,
        "previousStatus": previous.value,
        "me": me,
        "lastError": last_error,
    }
    if status is SessionStatus.PAIRING:
        data["pairingCode"] = pairing_code
    return data


def session_qr_data(code: str, expires_at: datetime) -> dict[str, Any]:
    """Data of ``session.qr``."""
    return {"code": code, "expiresAt": isoformat(expires_at)}


def message_sent_data(
    message_id: str, to: str, message_type: str, result: SendResult
) -> dict[str, Any]:
    """Data of ``message.sent``."""
    return {
        "id": message_id,
        "waMessageId": result.wa_message_id,
        "to": to,
        "type": message_type,
        "status": "sent",
        "timestamp": isoformat(result.timestamp),
    }


def message_failed_data(
    message_id: str, to: str, message_type: str, error: str
) -> dict[str, Any]:
    """Data of ``message.failed``."""
    return {"id": message_id, "to": to, "type": message_type, "error": error}


def message_ack_data(
    message_id: str | None,
    wa_message_id: str,
    chat: str,
    status: str,
    timestamp: datetime,
) -> dict[str, Any]:
    """Data of ``message.ack``; ``id`` is None when no record has that WhatsApp id."""
    return {
        "id": message_id,
        "waMessageId": wa_message_id,
        "chat": chat,
        "status": status,
        "timestamp": isoformat(timestamp),
    }


def message_received_data(event: MessageReceived) -> dict[str, Any]:
    """Data of ``message.received``.

    ``fromPhone`` is the sender's phone-number JID: the sender itself for a
    phone-number sender, the driver's lookup for an ``@lid`` one, else None.
    """
    return {
        "waMessageId": event.wa_message_id,
        "chat": event.chat,
        "from": event.sender,
        "fromPhone": phone_jid(event.sender_phone or event.sender),
        "pushName": event.push_name,
        "timestamp": isoformat(event.timestamp),
        "type": "text",
        "text": event.text,
        "replyTo": event.reply_to,
        "isGroup": event.is_group,
    }


def phone_jid(value: str) -> str | None:
    """Return ``value`` as a phone-number JID without device, or None if it is not one.

    ``value`` may be a JID or a phone number in any notation.
    """
    try:
        jid = parse_jid(value)
    except InvalidJidError:
        return None
    return str(jid) if jid.phone else None

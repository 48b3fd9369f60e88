"""The ``data`` of each event the worker publishes, in camelCase wire names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wagate_common.ids import isoformat
from wagate_common.jid import InvalidJidError, parse_jid
from wagate_common.schemas.sessions import SessionStatus
from wagate_worker.drivers.base import (
    CallReceived,
    GroupParticipantsChanged,
    GroupUpdated,
    MessageReceived,
    MessageRevoked,
    PresenceChanged,
    ReactionReceived,
    ReceivedContent,
    SendResult,
)


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
    phone-number sender, the driver's lookup for an ``@lid`` one, else None;
    ``chatPhone`` is the same for the chat of a one-to-one conversation. Every
    key is always present; the ones that do not apply to ``type`` are null
    (``contacts`` is empty).
    """
    content = event.content
    return {
        "waMessageId": event.wa_message_id,
        "chat": event.chat,
        "chatPhone": None
        if event.is_group
        else phone_jid(event.chat_phone or event.chat),
        "from": event.sender,
        "fromPhone": phone_jid(event.sender_phone or event.sender),
        "fromMe": event.from_me,
        "pushName": event.push_name,
        "timestamp": isoformat(event.timestamp),
        "isGroup": event.is_group,
        "forwarded": event.forwarded,
        "edited": event.edited,
        "replyTo": event.reply_to,
        "mentions": list(event.mentions),
        **content_data(content),
    }


def content_data(content: ReceivedContent) -> dict[str, Any]:
    """The content fields of ``message.received``."""
    media = content.media
    location = content.location
    poll = content.poll
    return {
        "type": content.type,
        "text": content.text,
        "caption": content.caption,
        "media": None
        if media is None
        else {
            "mimetype": media.mimetype,
            "size": media.size,
            "filename": media.filename,
            "sha256": media.sha256,
            "seconds": media.seconds,
            "ptt": media.ptt,
            "width": media.width,
            "height": media.height,
        },
        "location": None
        if location is None
        else {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "name": location.name,
            "address": location.address,
        },
        "contacts": [
            {"name": contact.name, "phone": contact.phone, "vcard": contact.vcard}
            for contact in content.contacts
        ],
        "poll": None
        if poll is None
        else {
            "question": poll.question,
            "options": list(poll.options),
            "selectable": poll.selectable,
        },
    }


def message_reaction_data(
    event: ReactionReceived, target_message_id: str | None
) -> dict[str, Any]:
    """Data of ``message.reaction``; ``messageId`` is our id when the session sent it."""
    return {
        "waMessageId": event.wa_message_id,
        "targetWaMessageId": event.target_wa_message_id,
        "messageId": target_message_id,
        "chat": event.chat,
        "from": event.sender,
        "fromPhone": phone_jid(event.sender_phone or event.sender),
        "fromMe": event.from_me,
        "emoji": event.emoji,
        "removed": event.emoji == "",
        "timestamp": isoformat(event.timestamp),
    }


def message_revoked_data(event: MessageRevoked, message_id: str | None) -> dict[str, Any]:
    """Data of ``message.revoked``; ``messageId`` is our id when the session sent it."""
    return {
        "waMessageId": event.wa_message_id,
        "messageId": message_id,
        "chat": event.chat,
        "from": event.sender,
        "fromPhone": phone_jid(event.sender_phone or event.sender),
        "fromMe": event.from_me,
        "timestamp": isoformat(event.timestamp),
    }


def group_participants_data(event: GroupParticipantsChanged) -> dict[str, Any]:
    """Data of ``group.participants``."""
    return {
        "group": event.group,
        "action": event.action,
        "participants": [
            {
                "jid": jid,
                "phone": phone_jid(event.participant_phones.get(jid) or jid),
            }
            for jid in event.participants
        ],
        "by": event.by,
        "timestamp": isoformat(event.timestamp),
    }


def group_update_data(event: GroupUpdated) -> dict[str, Any]:
    """Data of ``group.update``; fields that did not change are null."""
    return {
        "group": event.group,
        "by": event.by,
        "subject": event.subject,
        "description": event.description,
        "announce": event.announce,
        "locked": event.locked,
        "timestamp": isoformat(event.timestamp),
    }


def presence_update_data(event: PresenceChanged) -> dict[str, Any]:
    """Data of ``presence.update``."""
    return {
        "chat": event.chat,
        "from": event.sender,
        "state": event.state,
        "lastSeen": isoformat(event.last_seen),
        "timestamp": isoformat(event.timestamp),
    }


def call_received_data(event: CallReceived) -> dict[str, Any]:
    """Data of ``call.received``."""
    return {
        "callId": event.call_id,
        "from": event.caller,
        "fromPhone": phone_jid(event.caller_phone or event.caller),
        "video": event.video,
        "isGroup": event.is_group,
        "timestamp": isoformat(event.timestamp),
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

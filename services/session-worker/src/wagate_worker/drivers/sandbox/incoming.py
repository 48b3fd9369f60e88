"""Turning the sandbox network's pushes into driver events."""

from __future__ import annotations

from wagate_common.schemas.sandbox import (
    PushCall,
    PushGroupParticipants,
    PushGroupUpdate,
    PushMessage,
    PushPresence,
    PushReaction,
    PushReceipt,
    PushRevoke,
)
from wagate_worker.drivers.base import (
    CallReceived,
    GroupParticipantsChanged,
    GroupUpdated,
    MessageReceived,
    MessageRevoked,
    PresenceChanged,
    ReactionReceived,
    ReceiptReceived,
    ReceivedContact,
    ReceivedContent,
    ReceivedLocation,
    ReceivedMedia,
    ReceivedPoll,
    ReceivedType,
)

MEDIA_TYPES: dict[str, ReceivedType] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "document": "document",
    "sticker": "sticker",
}


def message_event(push: PushMessage, me: str | None) -> MessageReceived:
    """Return the event of a received message; ``me`` is the account's JID."""
    return MessageReceived(
        wa_message_id=push.wa_message_id,
        chat=push.chat,
        sender=push.sender,
        timestamp=push.timestamp,
        content=received_content(push),
        push_name=push.push_name,
        reply_to=push.reply_to,
        is_group=push.chat.endswith("@g.us"),
        from_me=push.sender == me,
        forwarded=push.forwarded,
        mentions=list(push.mentions),
    )


def received_content(push: PushMessage) -> ReceivedContent:
    """Return the content of a received message; an unreadable one is ``unknown``."""
    kind = push.type
    if kind == "text" and push.text is not None:
        return ReceivedContent(type="text", text=push.text)
    if kind in MEDIA_TYPES and push.media is not None:
        media = push.media
        download = {"object": media.object} if media.object else {}
        received = ReceivedMedia(
            mimetype=media.mimetype,
            size=media.size,
            filename=media.filename,
            sha256=media.sha256,
            ptt=media.ptt,
            download=download,
        )
        media_type = MEDIA_TYPES[kind]
        return ReceivedContent(type=media_type, caption=push.caption, media=received)
    if kind == "location" and push.location is not None:
        location = ReceivedLocation(
            latitude=push.location.latitude,
            longitude=push.location.longitude,
            name=push.location.name,
            address=push.location.address,
        )
        return ReceivedContent(type="location", location=location)
    if kind == "contact" and push.contacts:
        cards = [
            ReceivedContact(name=card.name, vcard=card.vcard or "", phone=card.phone)
            for card in push.contacts
        ]
        return ReceivedContent(type="contact", contacts=cards)
    if kind == "poll" and push.poll is not None:
        poll = ReceivedPoll(
            question=push.poll.question,
            options=list(push.poll.options),
            selectable=push.poll.selectable,
        )
        return ReceivedContent(type="poll", poll=poll)
    return ReceivedContent(type="unknown")


def receipt_event(push: PushReceipt) -> ReceiptReceived:
    """Return the event of a delivery or read receipt."""
    return ReceiptReceived(
        wa_message_ids=list(push.wa_message_ids),
        status=push.status,
        chat=push.chat,
        sender=push.sender,
        timestamp=push.timestamp,
    )


def reaction_event(push: PushReaction, me: str | None) -> ReactionReceived:
    """Return the event of a reaction."""
    return ReactionReceived(
        wa_message_id=push.wa_message_id,
        target_wa_message_id=push.target_wa_message_id,
        chat=push.chat,
        sender=push.sender,
        emoji=push.emoji,
        timestamp=push.timestamp,
        from_me=push.sender == me,
    )


def revoke_event(push: PushRevoke, me: str | None) -> MessageRevoked:
    """Return the event of a message deleted for everyone."""
    return MessageRevoked(
        wa_message_id=push.wa_message_id,
        chat=push.chat,
        sender=push.sender,
        timestamp=push.timestamp,
        from_me=push.sender == me,
    )


def presence_event(push: PushPresence) -> PresenceChanged:
    """Return the event of a presence; going unavailable sets ``last_seen``."""
    last_seen = push.timestamp if push.state == "unavailable" else None
    return PresenceChanged(
        chat=push.chat,
        sender=push.sender,
        state=push.state,
        timestamp=push.timestamp,
        last_seen=last_seen,
    )


def call_event(push: PushCall) -> CallReceived:
    """Return the event of an incoming call."""
    return CallReceived(
        call_id=push.call_id,
        caller=push.caller,
        timestamp=push.timestamp,
        video=push.video,
    )


def participants_event(push: PushGroupParticipants) -> GroupParticipantsChanged:
    """Return the event of a participants change."""
    return GroupParticipantsChanged(
        group=push.group,
        action=push.action,
        participants=list(push.participants),
        timestamp=push.timestamp,
        by=push.by,
    )


def group_update_event(push: PushGroupUpdate) -> GroupUpdated:
    """Return the event of a subject, description or settings change."""
    return GroupUpdated(
        group=push.group,
        timestamp=push.timestamp,
        by=push.by,
        subject=push.subject,
        description=push.description,
        announce=push.announce,
        locked=push.locked,
    )

"""Turning an :class:`OutgoingMessage` into the sandbox network's send request.

Media bytes stay in the worker: the request carries their metadata only,
because core NATS carries at most 1 MiB per message.
"""

from __future__ import annotations

import hashlib

from wagate_common.schemas.commands import (
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
    MessageTarget,
    PollContent,
    ReactionContent,
    RevokeContent,
    TextContent,
)
from wagate_common.schemas.sandbox import (
    NetSend,
    WireContact,
    WireLocation,
    WireMedia,
    WirePoll,
    WirePreview,
    WireTarget,
)
from wagate_common.vcard import build_vcard
from wagate_worker.drivers.base import OutgoingMessage, SendError


def build_send(session_id: str, token: str, message: OutgoingMessage) -> NetSend:
    """Return the send request of ``message``.

    Raises:
        SendError: permanent, for media content without its bytes.
    """
    base = NetSend(
        session_id=session_id, token=token, message_id=message.message_id, to=message.to
    )
    content = message.content
    match content:
        case TextContent():
            preview = None
            if content.link_preview and message.preview is not None:
                preview = WirePreview(
                    url=message.preview.url,
                    title=message.preview.title,
                    description=message.preview.description,
                )
            return base.model_copy(
                update={
                    "type": "text",
                    "text": content.text,
                    "reply_to": content.reply_to,
                    "mentions": list(content.mentions),
                    "forwarded": content.forwarded,
                    "link_preview": preview,
                }
            )
        case MediaContent():
            return base.model_copy(update=_media_fields(message, content))
        case LocationContent():
            location = WireLocation(
                latitude=content.latitude,
                longitude=content.longitude,
                name=content.name,
                address=content.address,
            )
            return base.model_copy(
                update={
                    "type": "location",
                    "location": location,
                    "reply_to": content.reply_to,
                    "forwarded": content.forwarded,
                }
            )
        case ContactsContent():
            cards = [
                WireContact(
                    name=card.name,
                    phone=card.phone,
                    vcard=build_vcard(card.name, card.phone),
                )
                for card in content.contacts
            ]
            return base.model_copy(
                update={
                    "type": "contact",
                    "contacts": cards,
                    "reply_to": content.reply_to,
                    "forwarded": content.forwarded,
                }
            )
        case PollContent():
            selectable = len(content.options) if content.multiple_answers else 1
            poll = WirePoll(
                question=content.question,
                options=list(content.options),
                selectable=selectable,
            )
            return base.model_copy(update={"type": "poll", "poll": poll})
        case ReactionContent():
            return base.model_copy(
                update={
                    "type": "reaction",
                    "target": _target(content.target),
                    "emoji": content.emoji,
                }
            )
        case EditContent():
            return base.model_copy(
                update={
                    "type": "edit",
                    "target": _target(content.target),
                    "text": content.text,
                }
            )
        case RevokeContent():
            return base.model_copy(
                update={"type": "revoke", "target": _target(content.target)}
            )


def _media_fields(message: OutgoingMessage, content: MediaContent) -> dict[str, object]:
    media = message.media
    if media is None:
        raise SendError(
            f"message '{message.message_id}' has {content.media_type} content but "
            "no media bytes",
            permanent=True,
        )
    # The digest is computed here rather than trusted, so it always matches the bytes.
    metadata = WireMedia(
        mimetype=media.mimetype,
        size=len(media.data),
        sha256=hashlib.sha256(media.data).hexdigest(),
        filename=media.filename or content.media.filename,
        ptt=content.ptt,
    )
    return {
        "type": content.media_type,
        "media": metadata,
        "caption": content.caption,
        "reply_to": content.reply_to,
        "mentions": list(content.mentions),
        "forwarded": content.forwarded,
    }


def _target(target: MessageTarget) -> WireTarget:
    return WireTarget(
        wa_message_id=target.wa_message_id,
        chat=target.chat,
        from_me=target.from_me,
        sender=target.sender,
    )

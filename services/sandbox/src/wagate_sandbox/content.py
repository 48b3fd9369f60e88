"""Checking and normalizing the content of messages that sessions and phones send.

A checked content keeps only the fields of its type, and its contact cards
carry vCards.
"""

from __future__ import annotations

import re
from typing import Any

from wagate_common.jid import InvalidJidError, normalize_phone
from wagate_common.schemas.sandbox import WireContact, WireContent
from wagate_common.vcard import build_vcard
from wagate_sandbox.validation import (
    check_mentions,
    check_optional_id,
    check_text,
    invalid_request,
)

MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})
# Types a phone may send as a message. Reactions and revokes have their own routes.
PHONE_TYPES = frozenset({"text", "location", "contact", "poll", *MEDIA_TYPES})
ACTION_TYPES = frozenset({"reaction", "edit", "revoke"})
SESSION_TYPES = PHONE_TYPES | ACTION_TYPES

MAX_CAPTION_LENGTH = 65536
MAX_CONTACTS = 257
MAX_NAME_LENGTH = 256
MIN_POLL_OPTIONS = 2
MAX_POLL_OPTIONS = 12
MAX_POLL_TEXT_LENGTH = 256
MAX_EMOJI_LENGTH = 32
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def check_content(content: WireContent, allowed: frozenset[str]) -> WireContent:
    """Return the content with only the fields of its type, or raise a 400 error."""
    kind = content.type
    if kind not in allowed:
        raise invalid_request(f"type '{kind}' cannot be sent here")
    if kind == "text":
        return _text(content)
    if kind in MEDIA_TYPES:
        return _media(content)
    if kind == "location":
        return _location(content)
    if kind == "contact":
        return _contacts(content)
    if kind == "poll":
        return _poll(content)
    return _action(content)


def public_fields(content: WireContent) -> dict[str, Any]:
    """Return the content's fields as the inbox stores them (camelCase, no object)."""
    fields = content.model_dump(
        by_alias=True, mode="json", exclude={"target", "emoji", "type"}
    )
    if fields.get("media") is not None:
        fields["media"].pop("object", None)
    return fields


def _common(content: WireContent) -> dict[str, Any]:
    return {
        "type": content.type,
        "reply_to": check_optional_id(content.reply_to, "replyTo"),
        "forwarded": content.forwarded,
    }


def _text(content: WireContent) -> WireContent:
    text = check_text(content.text or "")
    return WireContent(
        **_common(content),
        text=text,
        mentions=check_mentions(content.mentions),
        link_preview=content.link_preview,
    )


def _media(content: WireContent) -> WireContent:
    media = content.media
    if media is None:
        raise invalid_request(f"media is required for type '{content.type}'")
    if not media.mimetype or "/" not in media.mimetype:
        raise invalid_request(f"media.mimetype '{media.mimetype[:80]}' is not a mimetype")
    if media.size is not None and media.size < 0:
        raise invalid_request("media.size must not be negative")
    if media.sha256 is not None and not _SHA256_HEX.match(media.sha256):
        raise invalid_request("media.sha256 must be 64 lower-case hex digits")
    if media.ptt and content.type != "audio":
        raise invalid_request("media.ptt is allowed only for type 'audio'")
    caption = content.caption
    if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
        raise invalid_request(f"caption is longer than {MAX_CAPTION_LENGTH} characters")
    if caption is not None and content.type in ("audio", "sticker"):
        raise invalid_request(f"type '{content.type}' cannot have a caption")
    return WireContent(
        **_common(content),
        caption=caption or None,
        media=media,
        mentions=check_mentions(content.mentions),
    )


def _location(content: WireContent) -> WireContent:
    location = content.location
    if location is None:
        raise invalid_request("location is required for type 'location'")
    if not -90 <= location.latitude <= 90:
        raise invalid_request("location.latitude must be between -90 and 90")
    if not -180 <= location.longitude <= 180:
        raise invalid_request("location.longitude must be between -180 and 180")
    return WireContent(**_common(content), location=location)


def _contacts(content: WireContent) -> WireContent:
    if not 0 < len(content.contacts) <= MAX_CONTACTS:
        raise invalid_request(f"contacts must have 1 to {MAX_CONTACTS} entries")
    cards = [_card(card) for card in content.contacts]
    return WireContent(**_common(content), contacts=cards)


def _card(card: WireContact) -> WireContact:
    name = card.name.strip()
    if not 0 < len(name) <= MAX_NAME_LENGTH:
        raise invalid_request(
            f"contacts.name must have 1 to {MAX_NAME_LENGTH} characters"
        )
    try:
        phone = normalize_phone(card.phone)
    except InvalidJidError as error:
        raise invalid_request(
            f"contacts.phone '{card.phone[:80]}' is not a phone number"
        ) from error
    return WireContact(
        name=name, phone=phone, vcard=card.vcard or build_vcard(name, phone)
    )


def _poll(content: WireContent) -> WireContent:
    poll = content.poll
    if poll is None:
        raise invalid_request("poll is required for type 'poll'")
    question = poll.question.strip()
    if not 0 < len(question) <= MAX_POLL_TEXT_LENGTH:
        raise invalid_request(
            f"poll.question must have 1 to {MAX_POLL_TEXT_LENGTH} characters"
        )
    options = [option.strip() for option in poll.options]
    if not MIN_POLL_OPTIONS <= len(options) <= MAX_POLL_OPTIONS:
        raise invalid_request(
            f"poll.options must have {MIN_POLL_OPTIONS} to {MAX_POLL_OPTIONS} entries"
        )
    if any(not 0 < len(option) <= MAX_POLL_TEXT_LENGTH for option in options):
        raise invalid_request(
            f"each poll option must have 1 to {MAX_POLL_TEXT_LENGTH} characters"
        )
    if len(set(options)) != len(options):
        raise invalid_request("poll.options must not repeat an option")
    if not 1 <= poll.selectable <= len(options):
        raise invalid_request("poll.selectable must be between 1 and the option count")
    checked = poll.model_copy(update={"question": question, "options": options})
    return WireContent(type="poll", poll=checked)


def _action(content: WireContent) -> WireContent:
    target = content.target
    if target is None or not target.wa_message_id:
        raise invalid_request(f"target is required for type '{content.type}'")
    if content.type == "reaction":
        emoji = content.emoji or ""
        if len(emoji) > MAX_EMOJI_LENGTH:
            raise invalid_request(f"emoji is longer than {MAX_EMOJI_LENGTH} characters")
        return WireContent(type="reaction", target=target, emoji=emoji)
    if content.type == "edit":
        return WireContent(
            type="edit", target=target, text=check_text(content.text or "")
        )
    return WireContent(type="revoke", target=target)

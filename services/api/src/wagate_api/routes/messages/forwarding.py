"""The content of a forward: a copy of a stored or received message's content."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from wagate_api.media import MediaStore
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.jid import InvalidJidError, parse_jid
from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    ForwardableContent,
    LocationContent,
    MediaContent,
    StoredMedia,
    TextContent,
    message_content_adapter,
)
from wagate_common.storage.database import Document
from wagate_common.vcard import phone_of_vcard

FORWARDABLE_TYPES = (
    "text, media (image, video, audio, document, sticker), location, contact"
)


def forward_of_record(record: Document) -> ForwardableContent:
    """Copy the content of our record, marked as forwarded, without reply or mentions.

    Raises:
        WagateError: 422 ``UNSUPPORTED_MESSAGE_TYPE`` for a type that cannot be
            forwarded, or a record stored without its content.
    """
    stored = record.get("content")
    if stored is None:
        raise not_forwardable(record["_id"], record["type"])
    try:
        content = message_content_adapter.validate_python(stored)
    except ValidationError as error:
        raise not_forwardable(record["_id"], record["type"]) from error
    if isinstance(content, TextContent | MediaContent):
        return content.model_copy(
            update={"forwarded": True, "reply_to": None, "mentions": []}
        )
    if isinstance(content, LocationContent | ContactsContent):
        return content.model_copy(update={"forwarded": True, "reply_to": None})
    raise not_forwardable(record["_id"], record["type"])


def forward_of_received(received: Document) -> ForwardableContent:
    """Build forwarded content from a received message's event data.

    Received media cannot be forwarded: the gateway never stored its bytes.

    Raises:
        WagateError: 422 ``UNSUPPORTED_MESSAGE_TYPE`` for media, polls and
            unknown types, or contact cards without a phone number.
    """
    wa_message_id: str = received["waMessageId"]
    data: dict[str, Any] = received.get("data") or {}
    message_type = str(received.get("type") or data.get("type"))
    if message_type == "text" and data.get("text"):
        return TextContent(text=data["text"], forwarded=True)
    if message_type == "location" and data.get("location"):
        location = data["location"]
        return LocationContent(
            latitude=location["latitude"],
            longitude=location["longitude"],
            name=location.get("name"),
            address=location.get("address"),
            forwarded=True,
        )
    if message_type == "contact" and data.get("contacts"):
        return ContactsContent(
            contacts=[_card_of(wa_message_id, card) for card in data["contacts"]],
            forwarded=True,
        )
    if message_type in ("image", "video", "audio", "document", "sticker"):
        raise WagateError(
            422,
            ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
            f"received {message_type} '{wa_message_id}' cannot be forwarded, because "
            f"the gateway does not keep received media; download it with "
            f"GET /v1/messages/{wa_message_id}/media and send it with "
            f"POST /v1/messages/media",
        )
    raise not_forwardable(wa_message_id, message_type)


async def check_media_kept(store: MediaStore, content: ForwardableContent) -> None:
    """Raise 404 when forwarded media names an object the bucket no longer stores."""
    if not isinstance(content, MediaContent) or not isinstance(
        content.media, StoredMedia
    ):
        return
    if not await store.exists(content.media.name):
        raise WagateError(
            404,
            ErrorCode.NOT_FOUND,
            "the media of this message is no longer stored; media are kept for "
            "WAGATE_MEDIA_RETENTION_HOURS (default 24) after they were sent",
        )


def _card_of(wa_message_id: str, card: dict[str, Any]) -> ContactCard:
    raw = card.get("phone") or phone_of_vcard(card.get("vcard") or "") or ""
    phone = _phone_digits(raw)
    if phone is None:
        raise WagateError(
            422,
            ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
            f"contact message '{wa_message_id}' has a card without a phone number, "
            f"so it cannot be forwarded",
        )
    return ContactCard(name=card.get("name") or phone, phone=phone)


def _phone_digits(value: str) -> str | None:
    try:
        return parse_jid(value).phone
    except InvalidJidError:
        return None


def not_forwardable(message_id: str, message_type: str) -> WagateError:
    """Return the 422 of a message whose type cannot be forwarded."""
    return WagateError(
        422,
        ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
        f"message '{message_id}' of type '{message_type}' cannot be forwarded; "
        f"forwardable types: {FORWARDABLE_TYPES}",
    )

"""The content of received WhatsApp messages as driver content.

Pure functions over neonize's protobuf ``Message``: they read what whatsmeow
decrypted and call nothing in neonize's Go library. No media bytes are
fetched here. A media message only yields the descriptor that
:func:`media_message_of` turns back into a message when the bytes are
requested.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_common.vcard import phone_of_vcard
from wagate_worker.drivers.base import (
    ReceivedContact,
    ReceivedContent,
    ReceivedLocation,
    ReceivedMedia,
    ReceivedPoll,
    ReceivedType,
)

# Wrappers that whatsmeow usually removes already; they are unwrapped here as
# well, so a message that arrives still wrapped reads the same.
_WRAPPERS = (
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "documentWithCaptionMessage",
    "editedMessage",
    "lottieStickerMessage",
)
# Fields that ride along with any message and carry no content of their own.
_ENVELOPE_FIELDS = frozenset(
    {
        "messageContextInfo",
        "senderKeyDistributionMessage",
        "fastRatchetKeySenderKeyDistributionMessage",
    }
)
# Messages that are protocol traffic or updates to other messages, not
# content a person sent: they are not reported as messages.
_SILENT_FIELDS = frozenset(
    {
        "protocolMessage",
        "reactionMessage",
        "encReactionMessage",
        "pollUpdateMessage",
        "keepInChatMessage",
        "pinInChatMessage",
        "encCommentMessage",
        "encEventResponseMessage",
        "stickerSyncRmrMessage",
        "placeholderMessage",
        "secretEncryptedMessage",
    }
)
# Media message field -> (driver type, the mimetype when the message has none).
_MEDIA_FIELDS: dict[str, tuple[ReceivedType, str]] = {
    "imageMessage": ("image", "image/jpeg"),
    "videoMessage": ("video", "video/mp4"),
    # A round "video note".
    "ptvMessage": ("video", "video/mp4"),
    "audioMessage": ("audio", "audio/ogg; codecs=opus"),
    "documentMessage": ("document", "application/octet-stream"),
    "stickerMessage": ("sticker", "image/webp"),
}
# The fields of a media message that whatsmeow's DownloadAny reads. The rest
# (thumbnails, context, captions) is left out of the stored descriptor.
_DOWNLOAD_FIELDS = (
    "URL",
    "directPath",
    "mediaKey",
    "fileEncSHA256",
    "fileSHA256",
    "fileLength",
    "mimetype",
    "mediaKeyTimestamp",
)
_POLL_FIELDS = (
    "pollCreationMessage",
    "pollCreationMessageV2",
    "pollCreationMessageV3",
    "pollCreationMessageV5",
    "pollCreationMessageV6",
)
DOWNLOAD_VERSION = 1


class InvalidDownloadError(ValueError):
    """A stored download descriptor cannot be turned back into a media message."""


@dataclass(frozen=True)
class MessageContent:
    """A received message's content and the context info that came with it."""

    content: ReceivedContent
    context: wa_e2e.ContextInfo | None = None


def unwrap(message: wa_e2e.Message) -> wa_e2e.Message:
    """Return the message inside ephemeral, view-once, edit and similar wrappers."""
    # Wrappers nest (an ephemeral view-once message), each kind at most once.
    for _ in range(len(_WRAPPERS)):
        inner = _wrapped_message(message)
        if inner is None:
            return message
        message = inner
    return message


def _wrapped_message(message: wa_e2e.Message) -> wa_e2e.Message | None:
    for name in _WRAPPERS:
        if message.HasField(name):  # type: ignore[arg-type]
            wrapper = getattr(message, name)
            if wrapper.HasField("message"):
                inner: wa_e2e.Message = wrapper.message
                return inner
    return None


def content_of(message: wa_e2e.Message) -> MessageContent | None:
    """Return the content of a message, or None when it carries none to report.

    Protocol traffic, reactions, poll votes and other updates return None,
    because the caller handles reactions, revokes and edits itself. A message of a
    kind the gateway does not read (buttons, lists, payments...) becomes type
    ``unknown`` so it is still reported.
    """
    message = unwrap(message)
    names = [
        descriptor.name
        for descriptor, _ in message.ListFields()
        if descriptor.name not in _ENVELOPE_FIELDS
    ]
    if not names or any(name in _SILENT_FIELDS for name in names):
        return None

    if message.HasField("extendedTextMessage"):
        extended = message.extendedTextMessage
        return MessageContent(
            ReceivedContent(type="text", text=extended.text), _context(extended)
        )
    if message.HasField("conversation"):
        return MessageContent(ReceivedContent(type="text", text=message.conversation))
    for name, (media_type, default_mimetype) in _MEDIA_FIELDS.items():
        if message.HasField(name):  # type: ignore[arg-type]
            return _media_content(
                name, getattr(message, name), media_type, default_mimetype
            )
    if message.HasField("locationMessage"):
        return _location_content(message.locationMessage)
    if message.HasField("liveLocationMessage"):
        live = message.liveLocationMessage
        location = ReceivedLocation(
            latitude=live.degreesLatitude, longitude=live.degreesLongitude
        )
        content = ReceivedContent(
            type="location", caption=live.caption or None, location=location
        )
        return MessageContent(content, _context(live))
    if message.HasField("contactMessage"):
        card = message.contactMessage
        contacts = [_contact(card)]
        return MessageContent(
            ReceivedContent(type="contact", contacts=contacts), _context(card)
        )
    if message.HasField("contactsArrayMessage"):
        array = message.contactsArrayMessage
        contacts = [_contact(card) for card in array.contacts]
        return MessageContent(
            ReceivedContent(type="contact", contacts=contacts), _context(array)
        )
    for name in _POLL_FIELDS:
        if message.HasField(name):  # type: ignore[arg-type]
            return _poll_content(getattr(message, name))
    return MessageContent(ReceivedContent(type="unknown"))


def media_message_of(download: dict[str, Any]) -> wa_e2e.Message:
    """Return the media message that a stored download descriptor describes.

    Raises:
        InvalidDownloadError: when the descriptor is not one this driver wrote.
    """
    field_name = download.get("field")
    encoded = download.get("message")
    if download.get("version") != DOWNLOAD_VERSION or field_name not in _MEDIA_FIELDS:
        raise InvalidDownloadError(
            f"unsupported media descriptor (version {download.get('version')!r}, "
            f"field {field_name!r})"
        )
    if not isinstance(encoded, str):
        raise InvalidDownloadError("the media descriptor has no message")
    try:
        message = wa_e2e.Message()
        message.ParseFromString(base64.b64decode(encoded, validate=True))
    except (binascii.Error, DecodeError) as error:
        raise InvalidDownloadError(f"the media descriptor is corrupt: {error}") from error
    if not message.HasField(field_name):
        raise InvalidDownloadError(f"the media descriptor contains no {field_name}")
    return message


def _media_content(
    name: str, media: Any, media_type: ReceivedType, default_mimetype: str
) -> MessageContent:
    received = ReceivedMedia(
        mimetype=media.mimetype or default_mimetype,
        size=media.fileLength if media.HasField("fileLength") else None,
        filename=_filename(media) if name == "documentMessage" else None,
        sha256=media.fileSHA256.hex() if media.fileSHA256 else None,
        seconds=_optional(media, "seconds"),
        ptt=bool(getattr(media, "PTT", False)),
        width=_optional(media, "width"),
        height=_optional(media, "height"),
        download=_download_descriptor(name, media),
    )
    caption = getattr(media, "caption", "") or None
    content = ReceivedContent(type=media_type, caption=caption, media=received)
    return MessageContent(content, _context(media))


def _download_descriptor(name: str, media: Any) -> dict[str, Any]:
    stripped = type(media)()
    for field_name in _DOWNLOAD_FIELDS:
        if media.HasField(field_name):
            setattr(stripped, field_name, getattr(media, field_name))
    message = wa_e2e.Message(**{name: stripped})
    encoded = base64.b64encode(message.SerializePartialToString()).decode()
    return {"version": DOWNLOAD_VERSION, "field": name, "message": encoded}


def _filename(document: wa_e2e.DocumentMessage) -> str | None:
    return document.fileName or document.title or None


def _optional(message: Any, name: str) -> int | None:
    if name not in message.DESCRIPTOR.fields_by_name or not message.HasField(name):
        return None
    value = getattr(message, name)
    return int(value) if value else None


def _location_content(location: wa_e2e.LocationMessage) -> MessageContent:
    received = ReceivedLocation(
        latitude=location.degreesLatitude,
        longitude=location.degreesLongitude,
        name=location.name or None,
        address=location.address or None,
    )
    content = ReceivedContent(
        type="location", caption=location.comment or None, location=received
    )
    return MessageContent(content, _context(location))


def _contact(card: wa_e2e.ContactMessage) -> ReceivedContact:
    return ReceivedContact(
        name=card.displayName, vcard=card.vcard, phone=phone_of_vcard(card.vcard)
    )


def _poll_content(poll: wa_e2e.PollCreationMessage) -> MessageContent:
    received = ReceivedPoll(
        question=poll.name,
        options=[option.optionName for option in poll.options],
        selectable=poll.selectableOptionsCount,
    )
    return MessageContent(ReceivedContent(type="poll", poll=received), _context(poll))


def _context(message: Any) -> wa_e2e.ContextInfo | None:
    if message.HasField("contextInfo"):
        context: wa_e2e.ContextInfo = message.contextInfo
        return context
    return None

"""Outgoing messages and recipients built as neonize protobuf objects.

Everything here is pure. The two steps that need the Go library, uploading
media and building a poll (whatsmeow adds the poll's secret), stay in the
driver, which hands their results to these builders.
"""

from __future__ import annotations

import time
from typing import Any

from neonize.builder import build_edit
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waCommon.WACommon_pb2 import MessageKey
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e
from neonize.utils.enum import MediaType

from wagate_common.jid import GROUP_SERVER, normalize_jid, parse_jid
from wagate_common.schemas.commands import (
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
    MessageTarget,
    ReactionContent,
    RevokeContent,
    TextContent,
)
from wagate_common.vcard import build_vcard
from wagate_worker.drivers.base import LinkPreview, MediaBytes
from wagate_worker.drivers.whatsapp.quotes import Quoted

# The key whatsmeow uploads each media type under. Stickers are encrypted with
# the image keys, as WhatsApp's own clients do.
UPLOAD_TYPES = {
    "image": MediaType.MediaImage,
    "video": MediaType.MediaVideo,
    "audio": MediaType.MediaAudio,
    "document": MediaType.MediaDocument,
    "sticker": MediaType.MediaImage,
}
# WhatsApp plays a voice note inline only with this exact mimetype.
VOICE_NOTE_MIMETYPE = "audio/ogg; codecs=opus"
DEFAULT_FILENAME = "file"
_MEDIA_FIELDS = {
    "image": "imageMessage",
    "video": "videoMessage",
    "audio": "audioMessage",
    "document": "documentMessage",
    "sticker": "stickerMessage",
}


def to_neonize_jid(value: str) -> neonize.JID:
    """Return the JID of a recipient given as a JID or a phone number.

    Raises:
        InvalidJidError: when ``value`` is neither.
    """
    jid = parse_jid(value)
    return neonize.JID(
        User=jid.user,
        Server=jid.server,
        Device=jid.device,
        RawAgent=0,
        Integrator=0,
        IsEmpty=False,
    )


def empty_jid() -> neonize.JID:
    """Return the empty JID that whatsmeow reads as "no JID".

    Every field is set: neonize serializes JIDs strictly, and proto2 required
    fields left unset make that fail.
    """
    return neonize.JID(
        User="", Server="", RawAgent=0, Device=0, Integrator=0, IsEmpty=True
    )


def text_message(
    content: TextContent,
    preview: LinkPreview | None = None,
    quoted: Quoted | None = None,
) -> wa_e2e.Message:
    """Build a text message: a plain conversation, or an extended text.

    An extended text is needed for a reply, mentions, a forward or a link
    preview. The preview carries the URL, title and description the worker
    fetched, without a thumbnail.
    """
    context = context_info(content.reply_to, content.mentions, content.forwarded, quoted)
    if context is None and preview is None:
        return wa_e2e.Message(conversation=content.text)
    extended = wa_e2e.ExtendedTextMessage(text=content.text)
    if context is not None:
        extended.contextInfo.CopyFrom(context)
    if preview is not None:
        extended.matchedText = preview.url
        extended.previewType = wa_e2e.ExtendedTextMessage.NONE
        if preview.title:
            extended.title = preview.title
        if preview.description:
            extended.description = preview.description
    return wa_e2e.Message(extendedTextMessage=extended)


def media_message(
    content: MediaContent,
    media: MediaBytes,
    upload: neonize.UploadResponse,
    quoted: Quoted | None = None,
) -> wa_e2e.Message:
    """Build an image, video, audio, document or sticker message from an upload.

    Audio and stickers have no caption in WhatsApp, so a caption given for
    them is not sent. Width, height and duration are not sent either,
    because the worker does not probe media. WhatsApp apps read them from
    the file.
    """
    # NOTE: without width and height, some WhatsApp apps show a square
    # placeholder until the image or video is downloaded.
    built: Any
    match content.media_type:
        case "image":
            built = wa_e2e.ImageMessage()
        case "video":
            built = wa_e2e.VideoMessage()
        case "audio":
            built = wa_e2e.AudioMessage(PTT=content.ptt)
        case "document":
            filename = media.filename or content.media.filename or DEFAULT_FILENAME
            built = wa_e2e.DocumentMessage(fileName=filename, title=filename)
        case "sticker":
            built = wa_e2e.StickerMessage()

    built.URL = upload.url
    built.directPath = upload.DirectPath
    built.mediaKey = upload.MediaKey
    built.fileEncSHA256 = upload.FileEncSHA256
    built.fileSHA256 = upload.FileSHA256
    built.fileLength = upload.FileLength
    built.mimetype = media.mimetype
    built.mediaKeyTimestamp = int(time.time())
    if content.media_type == "audio" and content.ptt and _is_ogg(media.mimetype):
        built.mimetype = VOICE_NOTE_MIMETYPE
    if content.caption and content.media_type in ("image", "video", "document"):
        built.caption = content.caption
    context = context_info(content.reply_to, content.mentions, content.forwarded, quoted)
    if context is not None:
        built.contextInfo.CopyFrom(context)
    return wa_e2e.Message(**{_MEDIA_FIELDS[content.media_type]: built})


def location_message(
    content: LocationContent, quoted: Quoted | None = None
) -> wa_e2e.Message:
    """Build a pinned location."""
    location = wa_e2e.LocationMessage(
        degreesLatitude=content.latitude, degreesLongitude=content.longitude
    )
    if content.name:
        location.name = content.name
    if content.address:
        location.address = content.address
    context = context_info(content.reply_to, [], content.forwarded, quoted)
    if context is not None:
        location.contextInfo.CopyFrom(context)
    return wa_e2e.Message(locationMessage=location)


def contacts_message(
    content: ContactsContent, quoted: Quoted | None = None
) -> wa_e2e.Message:
    """Build one contact card, or a contacts array for several."""
    cards = [
        wa_e2e.ContactMessage(
            displayName=card.name, vcard=build_vcard(card.name, card.phone)
        )
        for card in content.contacts
    ]
    context = context_info(content.reply_to, [], content.forwarded, quoted)
    if len(cards) == 1:
        [card] = cards
        if context is not None:
            card.contextInfo.CopyFrom(context)
        return wa_e2e.Message(contactMessage=card)
    array = wa_e2e.ContactsArrayMessage(
        displayName=f"{len(cards)} contacts", contacts=cards
    )
    if context is not None:
        array.contextInfo.CopyFrom(context)
    return wa_e2e.Message(contactsArrayMessage=array)


def reaction_message(content: ReactionContent, now_ms: int) -> wa_e2e.Message:
    """Build a reaction to ``content.target``; an empty emoji removes it."""
    reaction = wa_e2e.ReactionMessage(
        key=message_key(content.target), text=content.emoji, senderTimestampMS=now_ms
    )
    return wa_e2e.Message(reactionMessage=reaction)


def edit_message(content: EditContent) -> wa_e2e.Message:
    """Build the edit of a text the session sent, with neonize's builder."""
    chat = to_neonize_jid(content.target.chat)
    return build_edit(
        chat, content.target.wa_message_id, wa_e2e.Message(conversation=content.text)
    )


def revoke_message(content: RevokeContent) -> wa_e2e.Message:
    """Build the deletion for everyone of ``content.target``.

    Built here rather than with neonize's ``build_revoke``, which reads the
    account's JID from the Go store, because ``target.from_me`` already
    states whether the session sent the message.
    """
    protocol = wa_e2e.ProtocolMessage(
        type=wa_e2e.ProtocolMessage.REVOKE, key=message_key(content.target)
    )
    return wa_e2e.Message(protocolMessage=protocol)


def _is_ogg(mimetype: str) -> bool:
    return mimetype.split(";")[0].strip().lower() == "audio/ogg"


def message_key(target: MessageTarget) -> MessageKey:
    """Return the key WhatsApp uses to find an earlier message.

    A group message someone else sent also needs its author, as
    ``participant``.
    """
    chat = parse_jid(target.chat)
    key = MessageKey(remoteJID=str(chat), fromMe=target.from_me, ID=target.wa_message_id)
    if not target.from_me and chat.server == GROUP_SERVER and target.sender:
        key.participant = normalize_jid(target.sender)
    return key


def context_info(
    reply_to: str | None,
    mentions: list[str],
    forwarded: bool,
    quoted: Quoted | None = None,
) -> wa_e2e.ContextInfo | None:
    """Return the context info of a reply, mentions or a forward, or None without any.

    A reply carries the quoted message's content and author when ``quoted``
    gives them (see :mod:`quotes`), else only its id.
    """
    # NOTE: with only the id, WhatsApp apps may show the reply without its
    # quote. That happens for messages the driver no longer remembers.
    if reply_to is None and not mentions and not forwarded:
        return None
    context = wa_e2e.ContextInfo(
        mentionedJID=[normalize_jid(mention) for mention in mentions]
    )
    if reply_to is not None:
        context.stanzaID = reply_to
        if quoted is not None:
            context.participant = quoted.participant
            context.quotedMessage.CopyFrom(quoted.message)
    if forwarded:
        context.isForwarded = True
        context.forwardingScore = 1
    return context

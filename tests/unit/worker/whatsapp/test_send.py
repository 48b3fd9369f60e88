"""Each content type sent through the WhatsApp driver, as the protobuf Go receives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waCommon.WACommon_pb2 import MessageKey
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e
from neonize.utils.enum import MediaType

from tests.unit.worker.whatsapp.fakes import Harness, feed
from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
    MessageContent,
    MessageTarget,
    PollContent,
    ReactionContent,
    RevokeContent,
    StoredMedia,
    TextContent,
)
from wagate_common.vcard import build_vcard
from wagate_worker.drivers.base import (
    LinkPreview,
    MediaBytes,
    MessageReceived,
    NotConnectedError,
    OutgoingMessage,
    SendError,
    SendResult,
)

RECIPIENT = "15550100002"
GROUP = "120363012345678901@g.us"
DATA = b"\x89PNG\r\n\x1a\n fake image bytes"
UPLOAD = neonize.UploadResponse(
    url="https://mmg.whatsapp.net/v/t62/upload.enc",
    DirectPath="/v/t62/upload.enc",
    MediaKey=b"k" * 32,
    FileEncSHA256=b"e" * 32,
    FileSHA256=b"s" * 32,
    FileLength=len(DATA),
)


async def send(
    harness: Harness,
    content: MessageContent,
    *,
    media: MediaBytes | None = None,
    preview: LinkPreview | None = None,
    to: str = RECIPIENT,
) -> tuple[SendResult, neonize.JID, wa_e2e.Message]:
    await harness.connect_paired()
    result = await harness.driver.send(
        OutgoingMessage("msg1", to, content, media=media, preview=preview)
    )
    [(recipient, message)] = harness.go.sent
    return result, recipient, message


def stored(mimetype: str, filename: str | None = None) -> StoredMedia:
    return StoredMedia(
        name="media/abc",
        size=len(DATA),
        sha256="0" * 64,
        mimetype=mimetype,
        filename=filename,
    )


def assert_upload_fields(media: Any) -> None:
    assert UPLOAD.url == media.URL
    assert media.directPath == UPLOAD.DirectPath
    assert media.mediaKey == UPLOAD.MediaKey
    assert media.fileEncSHA256 == UPLOAD.FileEncSHA256
    assert media.fileSHA256 == UPLOAD.FileSHA256
    assert media.fileLength == len(DATA)
    assert media.mediaKeyTimestamp > 1_700_000_000


async def test_plain_text_sent_as_conversation(harness: Harness) -> None:
    result, recipient, message = await send(harness, TextContent(text="hello"))

    assert result == SendResult(
        wa_message_id="3EB0SENT", timestamp=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    )
    assert (recipient.User, recipient.Server) == (RECIPIENT, "s.whatsapp.net")
    assert message == wa_e2e.Message(conversation="hello")


async def test_text_with_reply_mentions_and_forward(harness: Harness) -> None:
    content = TextContent(
        text="@15550100003 look",
        reply_to="3EB0QUOTED",
        mentions=["+1 555 010 0003", "123456789012345@lid"],
        forwarded=True,
    )

    _, _, message = await send(harness, content)

    assert message == wa_e2e.Message(
        extendedTextMessage=wa_e2e.ExtendedTextMessage(
            text="@15550100003 look",
            contextInfo=wa_e2e.ContextInfo(
                stanzaID="3EB0QUOTED",
                mentionedJID=["15550100003@s.whatsapp.net", "123456789012345@lid"],
                isForwarded=True,
                forwardingScore=1,
            ),
        )
    )


async def test_text_with_link_preview(harness: Harness) -> None:
    content = TextContent(text="see https://example.com/a", link_preview=True)
    preview = LinkPreview(
        url="https://example.com/a", title="Example", description="An example page"
    )

    _, _, message = await send(harness, content, preview=preview)

    assert message == wa_e2e.Message(
        extendedTextMessage=wa_e2e.ExtendedTextMessage(
            text="see https://example.com/a",
            matchedText="https://example.com/a",
            title="Example",
            description="An example page",
            previewType=wa_e2e.ExtendedTextMessage.NONE,
        )
    )


async def test_image_uploaded_then_sent(harness: Harness) -> None:
    harness.go.replies["Upload"] = neonize.UploadReturnFunction(UploadResponse=UPLOAD)
    content = MediaContent(
        media_type="image",
        media=stored("image/png"),
        caption="the receipt",
        reply_to="3EB0QUOTED",
    )

    _, _, message = await send(harness, content, media=MediaBytes(DATA, "image/png"))

    [(function, upload)] = harness.go.requests
    assert function == "Upload"
    assert upload == {"data": DATA, "media_type": MediaType.MediaImage.value}
    assert message.ListFields()[0][0].name == "imageMessage"
    image = message.imageMessage
    assert_upload_fields(image)
    assert image.mimetype == "image/png"
    assert image.caption == "the receipt"
    assert image.contextInfo == wa_e2e.ContextInfo(stanzaID="3EB0QUOTED")


async def test_video_sent_with_caption(harness: Harness) -> None:
    harness.go.replies["Upload"] = neonize.UploadReturnFunction(UploadResponse=UPLOAD)
    content = MediaContent(media_type="video", media=stored("video/mp4"), caption="clip")

    _, _, message = await send(harness, content, media=MediaBytes(DATA, "video/mp4"))

    assert harness.go.requests[0][1]["media_type"] == MediaType.MediaVideo.value
    video = message.videoMessage
    assert_upload_fields(video)
    assert video.mimetype == "video/mp4"
    assert video.caption == "clip"
    assert not video.HasField("contextInfo")


async def test_voice_note_sent_as_ptt_opus(harness: Harness) -> None:
    harness.go.replies["Upload"] = neonize.UploadReturnFunction(UploadResponse=UPLOAD)
    content = MediaContent(
        media_type="audio", media=stored("audio/ogg"), ptt=True, caption="dropped"
    )

    _, _, message = await send(harness, content, media=MediaBytes(DATA, "audio/ogg"))

    assert harness.go.requests[0][1]["media_type"] == MediaType.MediaAudio.value
    audio = message.audioMessage
    assert_upload_fields(audio)
    assert audio.PTT
    assert audio.mimetype == "audio/ogg; codecs=opus"
    assert "caption" not in audio.DESCRIPTOR.fields_by_name


async def test_plain_audio_keeps_mimetype(harness: Harness) -> None:
    harness.go.replies["Upload"] = neonize.UploadReturnFunction(UploadResponse=UPLOAD)
    content = MediaContent(media_type="audio", media=stored("audio/mpeg"))

    _, _, message = await send(harness, content, media=MediaBytes(DATA, "audio/mpeg"))

    assert not message.audioMessage.PTT
    assert message.audioMessage.mimetype == "audio/mpeg"


async def test_document_sent_with_filename(harness: Harness) -> None:
    harness.go.replies["Upload"] = neonize.UploadReturnFunction(UploadResponse=UPLOAD)
    content = MediaContent(
        media_type="document",
        media=stored("application/pdf", "invoice.pdf"),
        caption="your invoice",
        forwarded=True,
    )
    media = MediaBytes(DATA, "application/pdf", filename="invoice-42.pdf")

    _, _, message = await send(harness, content, media=media)

    assert harness.go.requests[0][1]["media_type"] == MediaType.MediaDocument.value
    document = message.documentMessage
    assert_upload_fields(document)
    assert document.mimetype == "application/pdf"
    assert document.fileName == "invoice-42.pdf"
    assert document.title == "invoice-42.pdf"
    assert document.caption == "your invoice"
    assert document.contextInfo == wa_e2e.ContextInfo(isForwarded=True, forwardingScore=1)


async def test_sticker_uploaded_with_image_keys(harness: Harness) -> None:
    harness.go.replies["Upload"] = neonize.UploadReturnFunction(UploadResponse=UPLOAD)
    content = MediaContent(media_type="sticker", media=stored("image/webp"))

    _, _, message = await send(harness, content, media=MediaBytes(DATA, "image/webp"))

    assert harness.go.requests[0][1]["media_type"] == MediaType.MediaImage.value
    assert_upload_fields(message.stickerMessage)
    assert message.stickerMessage.mimetype == "image/webp"


async def test_media_without_bytes_fails_permanently(harness: Harness) -> None:
    await harness.connect_paired()
    content = MediaContent(media_type="image", media=stored("image/png"))

    with pytest.raises(SendError) as raised:
        await harness.driver.send(OutgoingMessage("msg1", RECIPIENT, content))

    assert raised.value.permanent
    assert harness.go.sent == []


async def test_failed_upload_not_sent(harness: Harness) -> None:
    harness.go.errors["Upload"] = "failed to upload: info query timed out"
    content = MediaContent(media_type="image", media=stored("image/png"))
    await harness.connect_paired()

    with pytest.raises(SendError) as raised:
        await harness.driver.send(
            OutgoingMessage(
                "msg1", RECIPIENT, content, media=MediaBytes(DATA, "image/png")
            )
        )

    assert not raised.value.permanent
    assert "timed out" in str(raised.value)
    assert harness.go.sent == []


async def test_location_sent(harness: Harness) -> None:
    content = LocationContent(
        latitude=52.520008, longitude=13.404954, name="Alexanderplatz", address="Berlin"
    )

    _, _, message = await send(harness, content)

    assert message == wa_e2e.Message(
        locationMessage=wa_e2e.LocationMessage(
            degreesLatitude=52.520008,
            degreesLongitude=13.404954,
            name="Alexanderplatz",
            address="Berlin",
        )
    )


async def test_one_contact_sent_as_vcard(harness: Harness) -> None:
    content = ContactsContent(
        contacts=[ContactCard(name="Ana Lima", phone="+1 555 010 0003")],
        reply_to="3EB0QUOTED",
    )

    _, _, message = await send(harness, content)

    assert message == wa_e2e.Message(
        contactMessage=wa_e2e.ContactMessage(
            displayName="Ana Lima",
            vcard=build_vcard("Ana Lima", "+1 555 010 0003"),
            contextInfo=wa_e2e.ContextInfo(stanzaID="3EB0QUOTED"),
        )
    )
    assert "waid=15550100003" in message.contactMessage.vcard


async def test_several_contacts_sent_as_array(harness: Harness) -> None:
    content = ContactsContent(
        contacts=[
            ContactCard(name="Ana", phone="15550100003"),
            ContactCard(name="Ben", phone="15550100004"),
        ]
    )

    _, _, message = await send(harness, content)

    assert message == wa_e2e.Message(
        contactsArrayMessage=wa_e2e.ContactsArrayMessage(
            displayName="2 contacts",
            contacts=[
                wa_e2e.ContactMessage(
                    displayName="Ana", vcard=build_vcard("Ana", "15550100003")
                ),
                wa_e2e.ContactMessage(
                    displayName="Ben", vcard=build_vcard("Ben", "15550100004")
                ),
            ],
        )
    )


@pytest.mark.parametrize(("multiple", "selectable"), [(False, 1), (True, 0)])
async def test_poll_built_by_neonize_then_sent(
    harness: Harness, multiple: bool, selectable: int
) -> None:
    Option = wa_e2e.PollCreationMessage.Option
    built = wa_e2e.Message(
        pollCreationMessage=wa_e2e.PollCreationMessage(
            name="Lunch?",
            options=[Option(optionName="Pizza"), Option(optionName="Sushi")],
            selectableOptionsCount=selectable,
        ),
        messageContextInfo=wa_e2e.MessageContextInfo(messageSecret=b"s" * 32),
    )
    harness.go.replies["BuildPollVoteCreation"] = neonize.BuildMessageReturnFunction(
        Message=built
    )
    content = PollContent(
        question="Lunch?", options=["Pizza", "Sushi"], multiple_answers=multiple
    )

    _, _, message = await send(harness, content)

    assert harness.go.requests == [
        (
            "BuildPollVoteCreation",
            {"name": "Lunch?", "options": ["Pizza", "Sushi"], "selectable": selectable},
        )
    ]
    assert message == built


async def test_reaction_to_group_message_names_author(harness: Harness) -> None:
    target = MessageTarget(
        wa_message_id="3EB0TARGET",
        chat=GROUP,
        from_me=False,
        sender="15550100003:4@s.whatsapp.net",
    )

    _, recipient, message = await send(
        harness, ReactionContent(target=target, emoji="👍"), to="ignored-for-targets"
    )

    assert (recipient.User, recipient.Server) == ("120363012345678901", "g.us")
    reaction = message.reactionMessage
    assert reaction.text == "👍"
    assert reaction.key.remoteJID == GROUP
    assert reaction.key.ID == "3EB0TARGET"
    assert not reaction.key.fromMe
    assert reaction.key.participant == "15550100003@s.whatsapp.net"
    assert reaction.senderTimestampMS > 1_700_000_000_000


async def test_reaction_removal_on_own_message(harness: Harness) -> None:
    target = MessageTarget(
        wa_message_id="3EB0MINE", chat=f"{RECIPIENT}@s.whatsapp.net", from_me=True
    )

    _, _, message = await send(harness, ReactionContent(target=target, emoji=""))

    reaction = message.reactionMessage
    assert reaction.HasField("text")
    assert reaction.text == ""
    assert reaction.key.fromMe
    assert not reaction.key.HasField("participant")


async def test_edit_sent_as_protocol_edit(harness: Harness) -> None:
    target = MessageTarget(
        wa_message_id="3EB0MINE", chat=f"{RECIPIENT}@s.whatsapp.net", from_me=True
    )

    _, recipient, message = await send(
        harness, EditContent(target=target, text="fixed typo")
    )

    assert recipient.User == RECIPIENT
    protocol = message.editedMessage.message.protocolMessage
    assert protocol.type == wa_e2e.ProtocolMessage.MESSAGE_EDIT
    assert protocol.key.ID == "3EB0MINE"
    assert protocol.key.fromMe
    assert protocol.key.remoteJID == f"{RECIPIENT}@s.whatsapp.net"
    assert protocol.editedMessage == wa_e2e.Message(conversation="fixed typo")
    assert protocol.timestampMS > 1_700_000_000_000


async def test_revoke_sent_as_protocol_revoke(harness: Harness) -> None:
    target = MessageTarget(wa_message_id="3EB0MINE", chat=GROUP, from_me=True)

    _, recipient, message = await send(harness, RevokeContent(target=target))

    assert recipient.Server == "g.us"
    assert message == wa_e2e.Message(
        protocolMessage=wa_e2e.ProtocolMessage(
            type=wa_e2e.ProtocolMessage.REVOKE,
            key=MessageKey(remoteJID=GROUP, fromMe=True, ID="3EB0MINE"),
        )
    )


async def test_send_offline_rejected(harness: Harness) -> None:
    with pytest.raises(NotConnectedError):
        await harness.driver.send(
            OutgoingMessage("msg1", RECIPIENT, TextContent(text="hi"))
        )


async def test_reaction_to_invalid_chat_permanent(harness: Harness) -> None:
    await harness.connect_paired()
    target = MessageTarget(wa_message_id="3EB0X", chat="not a chat", from_me=True)

    with pytest.raises(SendError) as raised:
        await harness.driver.send(
            OutgoingMessage("msg1", RECIPIENT, ReactionContent(target=target, emoji="x"))
        )

    assert raised.value.permanent
    assert harness.go.sent == []


async def test_reply_to_received_message_quotes_it(harness: Harness) -> None:
    await harness.connect_paired()
    source = neonize.MessageSource(
        Chat=neonize.JID(User=RECIPIENT, Server="s.whatsapp.net"),
        Sender=neonize.JID(User=RECIPIENT, Server="s.whatsapp.net", Device=2),
    )
    info = neonize.MessageInfo(MessageSource=source, ID="3EB0ASKED", Timestamp=1000)
    body = wa_e2e.Message(
        extendedTextMessage=wa_e2e.ExtendedTextMessage(
            text="is it in stock?",
            contextInfo=wa_e2e.ContextInfo(stanzaID="3EB0OLDER"),
        )
    )
    feed(harness.client, neonize.Message(Info=info, Message=body))
    await harness.listener.wait_for(MessageReceived)

    await harness.driver.send(
        OutgoingMessage("msg1", RECIPIENT, TextContent(text="yes", reply_to="3EB0ASKED"))
    )

    [(_, message)] = harness.go.sent
    assert message.extendedTextMessage.contextInfo == wa_e2e.ContextInfo(
        stanzaID="3EB0ASKED",
        participant=f"{RECIPIENT}@s.whatsapp.net",
        quotedMessage=wa_e2e.Message(
            extendedTextMessage=wa_e2e.ExtendedTextMessage(text="is it in stock?")
        ),
    )


async def test_reply_to_own_sent_message_quotes_it(harness: Harness) -> None:
    await harness.connect_paired()
    await harness.driver.send(
        OutgoingMessage("msg1", RECIPIENT, TextContent(text="order shipped"))
    )

    await harness.driver.send(
        OutgoingMessage(
            "msg2",
            RECIPIENT,
            LocationContent(latitude=1.5, longitude=2.5, reply_to="3EB0SENT"),
        )
    )

    context = harness.go.sent[1][1].locationMessage.contextInfo
    assert context.stanzaID == "3EB0SENT"
    assert context.participant == "15550100001@s.whatsapp.net"
    assert context.quotedMessage == wa_e2e.Message(conversation="order shipped")


async def test_reply_to_unknown_message_carries_id(harness: Harness) -> None:
    _, _, message = await send(harness, TextContent(text="hi", reply_to="3EB0GONE"))

    context = message.extendedTextMessage.contextInfo
    assert context.stanzaID == "3EB0GONE"
    assert not context.HasField("participant")
    assert not context.HasField("quotedMessage")

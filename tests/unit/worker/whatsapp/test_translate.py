"""neonize events, built from neonize's own protobuf classes, as driver events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import pytest
from google.protobuf.message import Message
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waCommon.WACommon_pb2 import MessageKey as WAKey
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_common.schemas.sessions import Account
from wagate_worker.drivers.base import (
    Disconnected,
    Failed,
    GroupParticipantsChanged,
    GroupUpdated,
    LoggedOut,
    MessageReceived,
    MessageRevoked,
    ReactionReceived,
    ReceiptReceived,
    ReceivedContent,
)
from wagate_worker.drivers.whatsapp import content, notifications, translate
from wagate_worker.events.payloads import (
    call_received_data,
    group_participants_data,
    group_update_data,
    message_reaction_data,
    message_received_data,
    message_revoked_data,
    presence_update_data,
)

MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
MOMENT_SECONDS = int(MOMENT.timestamp())
PHONE = "15550100001"
LID = "123456789012345"
ProtoT = TypeVar("ProtoT", bound=Message)


def from_go(event: ProtoT) -> ProtoT:
    """Pass ``event`` through bytes, as neonize's dispatcher decodes what Go sends."""
    return cast(ProtoT, type(event).FromString(event.SerializePartialToString()))


def jid(user: str, server: str, device: int = 0) -> neonize.JID:
    return neonize.JID(User=user, Server=server, Device=device, IsEmpty=False)


def empty_jid() -> neonize.JID:
    return neonize.JID(User="", Server="", IsEmpty=True)


def message(
    body: wa_e2e.Message,
    *,
    sender: neonize.JID | None = None,
    sender_alt: neonize.JID | None = None,
    chat: neonize.JID | None = None,
    recipient_alt: neonize.JID | None = None,
    is_group: bool = False,
    from_me: bool = False,
    message_id: str = "3EB0AAAA",
) -> neonize.Message:
    source = neonize.MessageSource(
        Chat=chat or jid(PHONE, "s.whatsapp.net"),
        Sender=sender or jid(PHONE, "s.whatsapp.net", device=3),
        IsFromMe=from_me,
        IsGroup=is_group,
        SenderAlt=sender_alt or empty_jid(),
        RecipientAlt=recipient_alt or empty_jid(),
    )
    info = neonize.MessageInfo(
        MessageSource=source,
        ID=message_id,
        Pushname="Ana",
        Timestamp=MOMENT_SECONDS * 1000,
        Type="text",
    )
    return from_go(neonize.Message(Info=info, Message=body))


def test_plain_text_message_translated() -> None:
    event = message(wa_e2e.Message(conversation="hello"))

    translated = translate.message_event(event)

    assert translated == MessageReceived(
        wa_message_id="3EB0AAAA",
        chat=f"{PHONE}@s.whatsapp.net",
        sender=f"{PHONE}@s.whatsapp.net",
        timestamp=MOMENT,
        content=ReceivedContent(type="text", text="hello"),
        push_name="Ana",
        sender_phone=None,
        reply_to=None,
        is_group=False,
        mentions=[],
    )


def test_group_reply_with_mentions_translated() -> None:
    context = wa_e2e.ContextInfo(
        stanzaID="3EB0QUOTED",
        participant=f"{PHONE}@s.whatsapp.net",
        mentionedJID=["15550100002@s.whatsapp.net", f"{LID}@lid"],
    )
    body = wa_e2e.Message(
        extendedTextMessage=wa_e2e.ExtendedTextMessage(
            text="@15550100002 see above", contextInfo=context
        )
    )
    event = message(
        body,
        chat=jid("120363012345678901", "g.us"),
        sender=jid(LID, "lid", device=12),
        sender_alt=jid(PHONE, "s.whatsapp.net"),
        is_group=True,
    )

    translated = translate.message_event(event)

    assert translated == MessageReceived(
        wa_message_id="3EB0AAAA",
        chat="120363012345678901@g.us",
        sender=f"{LID}@lid",
        timestamp=MOMENT,
        content=ReceivedContent(type="text", text="@15550100002 see above"),
        push_name="Ana",
        sender_phone=f"{PHONE}@s.whatsapp.net",
        reply_to="3EB0QUOTED",
        is_group=True,
        mentions=["15550100002@s.whatsapp.net", f"{LID}@lid"],
    )


def test_lid_sender_without_alternate_has_no_phone() -> None:
    event = message(wa_e2e.Message(conversation="hi"), sender=jid(LID, "lid"))

    translated = translate.message_event(event)

    assert translated is not None
    assert translated.sender == f"{LID}@lid"
    assert translated.sender_phone is None


@pytest.mark.parametrize(
    ("receipt_type", "status"),
    [
        (neonize.Receipt.DELIVERED, "delivered"),
        (neonize.Receipt.READ, "read"),
        (neonize.Receipt.PLAYED, "played"),
    ],
)
def test_receipt_translated(receipt_type: int, status: str) -> None:
    source = neonize.MessageSource(
        Chat=jid(PHONE, "s.whatsapp.net"),
        Sender=jid(PHONE, "s.whatsapp.net", device=2),
        SenderAlt=empty_jid(),
    )
    event = from_go(
        neonize.Receipt(
            MessageSource=source,
            MessageIDs=["3EB0ONE", "3EB0TWO"],
            Timestamp=MOMENT_SECONDS,
            Type=cast(Any, receipt_type),
        )
    )

    translated = translate.receipt_event(event)

    assert translated == ReceiptReceived(
        wa_message_ids=["3EB0ONE", "3EB0TWO"],
        status=status,
        chat=f"{PHONE}@s.whatsapp.net",
        sender=f"{PHONE}@s.whatsapp.net",
        timestamp=MOMENT,
    )


@pytest.mark.parametrize(
    "receipt_type",
    [neonize.Receipt.READ_SELF, neonize.Receipt.RETRY, neonize.Receipt.SERVER_ERROR],
)
def test_other_receipt_types_ignored(receipt_type: int) -> None:
    source = neonize.MessageSource(
        Chat=jid(PHONE, "s.whatsapp.net"), Sender=jid(PHONE, "s.whatsapp.net")
    )
    event = neonize.Receipt(
        MessageSource=source,
        MessageIDs=["3EB0ONE"],
        Timestamp=1,
        Type=cast(Any, receipt_type),
    )

    assert translate.receipt_event(from_go(event)) is None


def test_timestamps_in_seconds_and_milliseconds_agree() -> None:
    assert translate.timestamp_from(MOMENT_SECONDS) == MOMENT
    assert translate.timestamp_from(MOMENT_SECONDS * 1000) == MOMENT


def test_first_qr_lasts_longer_than_later_ones() -> None:
    assert translate.qr_expiry(MOMENT, 0) == MOMENT + timedelta(seconds=60)
    assert translate.qr_expiry(MOMENT, 1) == MOMENT + timedelta(seconds=20)


def test_account_read_from_device() -> None:
    device = from_go(
        neonize.Device(
            JID=jid(PHONE, "s.whatsapp.net", device=7),
            LID=jid(LID, "lid", device=7),
            PushName="Shop",
            Initialized=True,
        )
    )

    account = translate.account_from(device, None)

    assert account == Account(
        jid=f"{PHONE}@s.whatsapp.net", phone=PHONE, push_name="Shop"
    )


def test_account_falls_back_to_paired_jid() -> None:
    device = neonize.Device(JID=empty_jid(), PushName="")

    account = translate.account_from(device, jid(PHONE, "s.whatsapp.net", device=7))

    assert account == Account(jid=f"{PHONE}@s.whatsapp.net", phone=PHONE, push_name=None)


def test_account_without_any_jid_rejected() -> None:
    with pytest.raises(ValueError, match="no JID"):
        translate.account_from(None, None)


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (neonize.LOGGED_OUT, "the phone unlinked this device"),
        (neonize.MAIN_DEVICE_GONE, "the phone's WhatsApp account is gone"),
        (neonize.UNKNOWN_LOGOUT, "which often means the account was banned"),
    ],
)
def test_logout_reasons_readable(reason: int, text: str) -> None:
    event = from_go(neonize.LoggedOut(OnConnect=False, Reason=cast(Any, reason)))

    translated = translate.logged_out_event(event)

    assert isinstance(translated, LoggedOut)
    assert text in translated.reason


def test_logout_on_connect_says_so() -> None:
    event = from_go(neonize.LoggedOut(OnConnect=True, Reason=neonize.LOGGED_OUT))

    translated = translate.logged_out_event(event)

    assert translated == LoggedOut(
        reason="the phone unlinked this device (reported while connecting)"
    )


def test_temporary_ban_fails_with_expiry() -> None:
    event = from_go(
        neonize.TemporaryBan(
            Code=neonize.TemporaryBan.SEND_TO_TOO_MANY_PEOPLE, Expire=3600
        )
    )

    translated = translate.temporary_ban_event(event, MOMENT)

    assert translated == Failed(
        reason="the account is temporarily banned by WhatsApp (sent to too many "
        "people) until 2026-03-04T06:06:07Z; connect again after that"
    )


def test_connect_failure_outdated_client_fails() -> None:
    event = from_go(neonize.ConnectFailure(Reason=neonize.CLIENT_OUTDATED, Message="405"))

    translated = translate.connect_failure_event(event)

    assert translated == Failed(
        reason="WhatsApp rejected this client version as outdated: 405"
    )


def test_connect_failure_on_server_side_retried() -> None:
    event = from_go(neonize.ConnectFailure(Reason=neonize.SERVICE_UNAVAILABLE))

    translated = translate.connect_failure_event(event)

    assert translated == Disconnected(
        reason="the WhatsApp service is unavailable", expected=False
    )


def test_connect_failure_of_unknown_reason_fails() -> None:
    event = neonize.ConnectFailure(Reason=neonize.GENERIC, Message="bad request")

    translated = translate.connect_failure_event(from_go(event))

    assert translated == Failed(reason="WhatsApp refused the connection: bad request")


def test_empty_jid_has_no_string() -> None:
    assert translate.jid_string(from_go(empty_jid())) is None
    assert (
        translate.jid_string(jid(PHONE, "s.whatsapp.net", 4)) == f"{PHONE}@s.whatsapp.net"
    )


# Every kind of received message, checked through the published JSON.

GROUP = "120363012345678901"
OTHER = "15550100002"
FILE_SHA256 = bytes(range(32))
MEDIA_KEY = b"k" * 32
ENC_SHA256 = b"e" * 32


def received_data(**changes: Any) -> dict[str, Any]:
    """The ``message.received`` data of ``message()``'s defaults, with ``changes``."""
    data: dict[str, Any] = {
        "waMessageId": "3EB0AAAA",
        "chat": f"{PHONE}@s.whatsapp.net",
        "chatPhone": f"{PHONE}@s.whatsapp.net",
        "from": f"{PHONE}@s.whatsapp.net",
        "fromPhone": f"{PHONE}@s.whatsapp.net",
        "fromMe": False,
        "pushName": "Ana",
        "timestamp": "2026-03-04T05:06:07.000Z",
        "isGroup": False,
        "forwarded": False,
        "edited": False,
        "replyTo": None,
        "mentions": [],
        "type": "text",
        "text": None,
        "caption": None,
        "media": None,
        "location": None,
        "contacts": [],
        "poll": None,
    }
    data.update(changes)
    return data


def translated_message(event: neonize.Message) -> MessageReceived:
    translated = translate.message_event(event)
    assert isinstance(translated, MessageReceived)
    return translated


def media_fields(media: Any) -> None:
    media.URL = "https://mmg.whatsapp.net/v/t62/file.enc"
    media.directPath = "/v/t62/file.enc"
    media.mediaKey = MEDIA_KEY
    media.fileEncSHA256 = ENC_SHA256
    media.fileSHA256 = FILE_SHA256
    media.mediaKeyTimestamp = 1_772_600_000
    media.contextInfo.CopyFrom(wa_e2e.ContextInfo(stanzaID="3EB0QUOTED"))


def test_text_data_complete() -> None:
    event = message(wa_e2e.Message(conversation="hello"))

    data = message_received_data(translated_message(event))

    assert data == received_data(text="hello")


def test_extended_text_with_quote_and_mentions_data() -> None:
    context = wa_e2e.ContextInfo(
        stanzaID="3EB0QUOTED",
        participant=f"{OTHER}@s.whatsapp.net",
        mentionedJID=[f"{OTHER}@s.whatsapp.net", f"{LID}@lid"],
        isForwarded=True,
        forwardingScore=2,
    )
    body = wa_e2e.Message(
        extendedTextMessage=wa_e2e.ExtendedTextMessage(
            text=f"@{OTHER} see above", contextInfo=context
        )
    )
    event = message(
        body,
        chat=jid(GROUP, "g.us"),
        sender=jid(LID, "lid", device=12),
        sender_alt=jid(PHONE, "s.whatsapp.net"),
        is_group=True,
    )

    data = message_received_data(translated_message(event))

    assert data == received_data(
        chat=f"{GROUP}@g.us",
        chatPhone=None,
        **{"from": f"{LID}@lid"},
        isGroup=True,
        forwarded=True,
        replyTo="3EB0QUOTED",
        mentions=[f"{OTHER}@s.whatsapp.net", f"{LID}@lid"],
        text=f"@{OTHER} see above",
    )


def test_image_with_caption_data() -> None:
    image = wa_e2e.ImageMessage(
        mimetype="image/jpeg",
        caption="the receipt",
        fileLength=48213,
        width=1280,
        height=960,
        JPEGThumbnail=b"thumbnail",
    )
    media_fields(image)
    event = message(wa_e2e.Message(imageMessage=image))

    translated = translated_message(event)
    data = message_received_data(translated)

    assert data == received_data(
        type="image",
        caption="the receipt",
        replyTo="3EB0QUOTED",
        media={
            "mimetype": "image/jpeg",
            "size": 48213,
            "filename": None,
            "sha256": FILE_SHA256.hex(),
            "seconds": None,
            "ptt": False,
            "width": 1280,
            "height": 960,
        },
    )
    assert translated.text == "the receipt"


def test_image_download_descriptor_keeps_download_fields() -> None:
    image = wa_e2e.ImageMessage(
        mimetype="image/jpeg", caption="x", fileLength=10, JPEGThumbnail=b"thumbnail"
    )
    media_fields(image)
    translated = translated_message(message(wa_e2e.Message(imageMessage=image)))
    assert translated.content.media is not None
    descriptor = translated.content.media.download

    rebuilt = content.media_message_of(descriptor)

    assert descriptor["version"] == 1
    assert descriptor["field"] == "imageMessage"
    assert json.loads(json.dumps(descriptor)) == descriptor
    stored = rebuilt.imageMessage
    assert stored.URL == image.URL
    assert stored.directPath == image.directPath
    assert stored.mediaKey == MEDIA_KEY
    assert stored.fileEncSHA256 == ENC_SHA256
    assert stored.fileSHA256 == FILE_SHA256
    assert stored.fileLength == 10
    assert stored.mimetype == "image/jpeg"
    assert stored.mediaKeyTimestamp == 1_772_600_000
    assert not stored.HasField("JPEGThumbnail")
    assert not stored.HasField("caption")
    assert not stored.HasField("contextInfo")


@pytest.mark.parametrize(
    "descriptor",
    [
        {},
        {"version": 2, "field": "imageMessage", "message": ""},
        {"version": 1, "field": "conversation", "message": ""},
        {"version": 1, "field": "imageMessage", "message": "not base64!"},
        {"version": 1, "field": "imageMessage", "message": 42},
        {"version": 1, "field": "videoMessage", "message": ""},
    ],
)
def test_foreign_download_descriptor_rejected(descriptor: dict[str, Any]) -> None:
    with pytest.raises(content.InvalidDownloadError):
        content.media_message_of(descriptor)


def test_video_data() -> None:
    video = wa_e2e.VideoMessage(
        mimetype="video/mp4", fileLength=901_234, seconds=42, width=720, height=1280
    )
    media_fields(video)
    event = message(wa_e2e.Message(videoMessage=video))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="video",
        replyTo="3EB0QUOTED",
        media={
            "mimetype": "video/mp4",
            "size": 901_234,
            "filename": None,
            "sha256": FILE_SHA256.hex(),
            "seconds": 42,
            "ptt": False,
            "width": 720,
            "height": 1280,
        },
    )


def test_document_with_filename_data() -> None:
    document = wa_e2e.DocumentMessage(
        mimetype="application/pdf",
        fileName="invoice-42.pdf",
        title="invoice-42",
        fileLength=123_456,
        caption="your invoice",
        pageCount=3,
    )
    media_fields(document)
    # Documents with a caption arrive wrapped; whatsmeow usually unwraps them.
    wrapped = wa_e2e.Message(
        documentWithCaptionMessage=wa_e2e.FutureProofMessage(
            message=wa_e2e.Message(documentMessage=document)
        )
    )

    translated = translated_message(message(wrapped))
    data = message_received_data(translated)

    assert data == received_data(
        type="document",
        caption="your invoice",
        replyTo="3EB0QUOTED",
        media={
            "mimetype": "application/pdf",
            "size": 123_456,
            "filename": "invoice-42.pdf",
            "sha256": FILE_SHA256.hex(),
            "seconds": None,
            "ptt": False,
            "width": None,
            "height": None,
        },
    )
    assert translated.content.media is not None
    assert translated.content.media.download["field"] == "documentMessage"


@pytest.mark.parametrize("ptt", [False, True])
def test_audio_and_voice_note_data(ptt: bool) -> None:
    audio = wa_e2e.AudioMessage(
        mimetype="audio/ogg; codecs=opus", fileLength=5120, seconds=7, PTT=ptt
    )
    media_fields(audio)
    event = message(wa_e2e.Message(audioMessage=audio))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="audio",
        replyTo="3EB0QUOTED",
        media={
            "mimetype": "audio/ogg; codecs=opus",
            "size": 5120,
            "filename": None,
            "sha256": FILE_SHA256.hex(),
            "seconds": 7,
            "ptt": ptt,
            "width": None,
            "height": None,
        },
    )


def test_sticker_data() -> None:
    sticker = wa_e2e.StickerMessage(
        mimetype="image/webp", fileLength=20_480, width=512, height=512, isAnimated=True
    )
    media_fields(sticker)
    event = message(wa_e2e.Message(stickerMessage=sticker))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="sticker",
        replyTo="3EB0QUOTED",
        media={
            "mimetype": "image/webp",
            "size": 20_480,
            "filename": None,
            "sha256": FILE_SHA256.hex(),
            "seconds": None,
            "ptt": False,
            "width": 512,
            "height": 512,
        },
    )


def test_media_without_optional_fields_data() -> None:
    event = message(wa_e2e.Message(stickerMessage=wa_e2e.StickerMessage()))

    data = message_received_data(translated_message(event))

    assert data["media"] == {
        "mimetype": "image/webp",
        "size": None,
        "filename": None,
        "sha256": None,
        "seconds": None,
        "ptt": False,
        "width": None,
        "height": None,
    }


def test_location_data() -> None:
    location = wa_e2e.LocationMessage(
        degreesLatitude=52.520008,
        degreesLongitude=13.404954,
        name="Alexanderplatz",
        address="10178 Berlin",
    )
    event = message(wa_e2e.Message(locationMessage=location))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="location",
        location={
            "latitude": 52.520008,
            "longitude": 13.404954,
            "name": "Alexanderplatz",
            "address": "10178 Berlin",
        },
    )


def test_live_location_data() -> None:
    live = wa_e2e.LiveLocationMessage(
        degreesLatitude=-33.8688, degreesLongitude=151.2093, caption="on my way"
    )
    event = message(wa_e2e.Message(liveLocationMessage=live))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="location",
        caption="on my way",
        location={
            "latitude": -33.8688,
            "longitude": 151.2093,
            "name": None,
            "address": None,
        },
    )


VCARD_ANA = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Lima\r\n"
    f"TEL;type=CELL;waid={OTHER}:+{OTHER}\r\nEND:VCARD\r\n"
)
VCARD_BEN = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ben\r\nTEL:+1 555 010 0003\r\nEND:VCARD\r\n"


def test_one_contact_data() -> None:
    card = wa_e2e.ContactMessage(displayName="Ana Lima", vcard=VCARD_ANA)
    event = message(wa_e2e.Message(contactMessage=card))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="contact",
        contacts=[{"name": "Ana Lima", "phone": OTHER, "vcard": VCARD_ANA}],
    )


def test_several_contacts_data() -> None:
    array = wa_e2e.ContactsArrayMessage(
        displayName="2 contacts",
        contacts=[
            wa_e2e.ContactMessage(displayName="Ana Lima", vcard=VCARD_ANA),
            wa_e2e.ContactMessage(displayName="Ben", vcard=VCARD_BEN),
        ],
    )
    event = message(wa_e2e.Message(contactsArrayMessage=array))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="contact",
        contacts=[
            {"name": "Ana Lima", "phone": OTHER, "vcard": VCARD_ANA},
            {"name": "Ben", "phone": "15550100003", "vcard": VCARD_BEN},
        ],
    )


@pytest.mark.parametrize(
    ("field", "selectable"),
    [("pollCreationMessage", 0), ("pollCreationMessageV3", 1)],
)
def test_poll_creation_data(field: str, selectable: int) -> None:
    Option = wa_e2e.PollCreationMessage.Option
    poll = wa_e2e.PollCreationMessage(
        name="Lunch?",
        options=[Option(optionName="Pizza"), Option(optionName="Sushi")],
        selectableOptionsCount=selectable,
    )
    event = message(wa_e2e.Message(**{field: poll}))

    data = message_received_data(translated_message(event))

    assert data == received_data(
        type="poll",
        poll={
            "question": "Lunch?",
            "options": ["Pizza", "Sushi"],
            "selectable": selectable,
        },
    )


def test_message_from_phone_reported_as_from_me() -> None:
    event = message(
        wa_e2e.Message(conversation="sent from the phone"),
        chat=jid(LID, "lid"),
        sender=jid("987654321098765", "lid", device=0),
        sender_alt=jid(PHONE, "s.whatsapp.net"),
        recipient_alt=jid(OTHER, "s.whatsapp.net"),
        from_me=True,
    )

    data = message_received_data(translated_message(event))

    assert data == received_data(
        chat=f"{LID}@lid",
        chatPhone=f"{OTHER}@s.whatsapp.net",
        **{"from": "987654321098765@lid"},
        fromPhone=f"{PHONE}@s.whatsapp.net",
        fromMe=True,
        text="sent from the phone",
    )


def test_lid_chat_gets_sender_phone() -> None:
    event = message(
        wa_e2e.Message(conversation="hi"),
        chat=jid(LID, "lid"),
        sender=jid(LID, "lid", device=2),
        sender_alt=jid(OTHER, "s.whatsapp.net"),
    )

    data = message_received_data(translated_message(event))

    assert data == received_data(
        chat=f"{LID}@lid",
        chatPhone=f"{OTHER}@s.whatsapp.net",
        **{"from": f"{LID}@lid"},
        fromPhone=f"{OTHER}@s.whatsapp.net",
        text="hi",
    )


def test_edit_reported_as_new_content_of_original() -> None:
    protocol = wa_e2e.ProtocolMessage(
        key=WAKey(remoteJID=f"{PHONE}@s.whatsapp.net", fromMe=False, ID="3EB0ORIGINAL"),
        type=wa_e2e.ProtocolMessage.MESSAGE_EDIT,
        editedMessage=wa_e2e.Message(conversation="fixed typo"),
        timestampMS=(MOMENT_SECONDS + 60) * 1000,
    )
    event = message(wa_e2e.Message(protocolMessage=protocol), message_id="3EB0EDIT")

    data = message_received_data(translated_message(event))

    assert data == received_data(
        waMessageId="3EB0ORIGINAL",
        timestamp="2026-03-04T05:07:07.000Z",
        edited=True,
        text="fixed typo",
    )


def test_edit_still_wrapped_reported_the_same() -> None:
    protocol = wa_e2e.ProtocolMessage(
        key=WAKey(ID="3EB0ORIGINAL"),
        type=wa_e2e.ProtocolMessage.MESSAGE_EDIT,
        editedMessage=wa_e2e.Message(
            imageMessage=wa_e2e.ImageMessage(caption="new caption")
        ),
    )
    body = wa_e2e.Message(
        editedMessage=wa_e2e.FutureProofMessage(
            message=wa_e2e.Message(protocolMessage=protocol)
        )
    )

    translated = translated_message(message(body))

    assert translated.wa_message_id == "3EB0ORIGINAL"
    assert translated.edited
    assert translated.content.caption == "new caption"
    assert translated.timestamp == MOMENT


def test_reaction_data() -> None:
    reaction = wa_e2e.ReactionMessage(
        key=WAKey(remoteJID=f"{GROUP}@g.us", fromMe=True, ID="3EB0TARGET"),
        text="👍",
        senderTimestampMS=MOMENT_SECONDS * 1000,
    )
    event = message(
        wa_e2e.Message(reactionMessage=reaction),
        chat=jid(GROUP, "g.us"),
        sender=jid(LID, "lid"),
        sender_alt=jid(OTHER, "s.whatsapp.net"),
        is_group=True,
    )

    translated = translate.message_event(event)
    assert isinstance(translated, ReactionReceived)
    data = message_reaction_data(translated, "msg_ours")

    assert data == {
        "waMessageId": "3EB0AAAA",
        "targetWaMessageId": "3EB0TARGET",
        "messageId": "msg_ours",
        "chat": f"{GROUP}@g.us",
        "from": f"{LID}@lid",
        "fromPhone": f"{OTHER}@s.whatsapp.net",
        "fromMe": False,
        "emoji": "👍",
        "removed": False,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def test_reaction_removal_data() -> None:
    reaction = wa_e2e.ReactionMessage(key=WAKey(ID="3EB0TARGET"), text="")
    event = message(wa_e2e.Message(reactionMessage=reaction), from_me=True)

    translated = translate.message_event(event)
    assert isinstance(translated, ReactionReceived)
    data = message_reaction_data(translated, None)

    assert data == {
        "waMessageId": "3EB0AAAA",
        "targetWaMessageId": "3EB0TARGET",
        "messageId": None,
        "chat": f"{PHONE}@s.whatsapp.net",
        "from": f"{PHONE}@s.whatsapp.net",
        "fromPhone": f"{PHONE}@s.whatsapp.net",
        "fromMe": True,
        "emoji": "",
        "removed": True,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def test_revoke_data() -> None:
    protocol = wa_e2e.ProtocolMessage(
        key=WAKey(remoteJID=f"{PHONE}@s.whatsapp.net", ID="3EB0GONE"),
        type=wa_e2e.ProtocolMessage.REVOKE,
    )
    event = message(
        wa_e2e.Message(protocolMessage=protocol),
        sender=jid(LID, "lid"),
        sender_alt=jid(PHONE, "s.whatsapp.net"),
        message_id="3EB0REVOKE",
    )

    translated = translate.message_event(event)
    assert isinstance(translated, MessageRevoked)
    data = message_revoked_data(translated, None)

    assert data == {
        "waMessageId": "3EB0GONE",
        "messageId": None,
        "chat": f"{PHONE}@s.whatsapp.net",
        "from": f"{LID}@lid",
        "fromPhone": f"{PHONE}@s.whatsapp.net",
        "fromMe": False,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


@pytest.mark.parametrize(
    "body",
    [
        wa_e2e.Message(
            protocolMessage=wa_e2e.ProtocolMessage(
                type=wa_e2e.ProtocolMessage.APP_STATE_SYNC_KEY_SHARE
            )
        ),
        wa_e2e.Message(
            senderKeyDistributionMessage=wa_e2e.SenderKeyDistributionMessage(
                groupID=f"{GROUP}@g.us"
            )
        ),
        wa_e2e.Message(pollUpdateMessage=wa_e2e.PollUpdateMessage()),
        wa_e2e.Message(),
    ],
    ids=["protocol", "sender-key", "poll-vote", "empty"],
)
def test_protocol_traffic_not_reported(body: wa_e2e.Message) -> None:
    assert translate.message_event(message(body)) is None


def test_status_update_not_reported() -> None:
    event = message(
        wa_e2e.Message(conversation="my status"), chat=jid("status", "broadcast")
    )

    assert translate.message_event(event) is None


def test_unread_kind_reported_as_unknown() -> None:
    body = wa_e2e.Message(
        groupInviteMessage=wa_e2e.GroupInviteMessage(groupJID=f"{GROUP}@g.us")
    )

    data = message_received_data(translated_message(message(body)))

    assert data == received_data(type="unknown")


# Group changes, presence and calls.


def group_event(**fields: Any) -> neonize.GroupInfoEvent:
    return from_go(
        neonize.GroupInfoEvent(
            JID=jid(GROUP, "g.us"),
            Sender=jid(PHONE, "s.whatsapp.net", device=1),
            Timestamp=MOMENT_SECONDS,
            **fields,
        )
    )


@pytest.mark.parametrize(
    ("field", "action"),
    [("Join", "add"), ("Leave", "remove"), ("Promote", "promote"), ("Demote", "demote")],
)
def test_group_participants_data(field: str, action: str) -> None:
    event = group_event(**{field: [jid(OTHER, "s.whatsapp.net"), jid(LID, "lid")]})

    [translated] = notifications.group_info_events(event)
    assert isinstance(translated, GroupParticipantsChanged)
    data = group_participants_data(translated)

    assert data == {
        "group": f"{GROUP}@g.us",
        "action": action,
        "participants": [
            {"jid": f"{OTHER}@s.whatsapp.net", "phone": f"{OTHER}@s.whatsapp.net"},
            {"jid": f"{LID}@lid", "phone": None},
        ],
        "by": f"{PHONE}@s.whatsapp.net",
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def test_group_settings_update_data() -> None:
    event = group_event(
        Name=neonize.GroupName(Name="Launch team"),
        Topic=neonize.GroupTopic(Topic="Ship on Friday", TopicID="T1"),
        Announce=neonize.GroupAnnounce(IsAnnounce=True),
        Locked=neonize.GroupLocked(isLocked=False),
    )

    [translated] = notifications.group_info_events(event)
    assert isinstance(translated, GroupUpdated)
    data = group_update_data(translated)

    assert data == {
        "group": f"{GROUP}@g.us",
        "by": f"{PHONE}@s.whatsapp.net",
        "subject": "Launch team",
        "description": "Ship on Friday",
        "announce": True,
        "locked": False,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def test_group_description_removed_is_empty() -> None:
    event = group_event(Topic=neonize.GroupTopic(TopicDeleted=True))

    [translated] = notifications.group_info_events(event)

    assert translated == GroupUpdated(
        group=f"{GROUP}@g.us",
        timestamp=MOMENT,
        by=f"{PHONE}@s.whatsapp.net",
        description="",
    )


def test_group_event_with_joins_and_subject_gives_both() -> None:
    event = group_event(
        Join=[jid(OTHER, "s.whatsapp.net")], Name=neonize.GroupName(Name="New name")
    )

    translated = notifications.group_info_events(event)

    assert [type(item) for item in translated] == [
        GroupParticipantsChanged,
        GroupUpdated,
    ]


def test_account_added_to_group_data() -> None:
    event = from_go(
        neonize.JoinedGroup(
            Reason="invite",
            GroupInfo=neonize.GroupInfo(JID=jid(GROUP, "g.us")),
            Sender=jid(LID, "lid"),
            SenderPN=jid(OTHER, "s.whatsapp.net"),
        )
    )

    translated = notifications.joined_group_event(
        event, f"{PHONE}@s.whatsapp.net", MOMENT
    )
    assert translated is not None
    data = group_participants_data(translated)

    assert data == {
        "group": f"{GROUP}@g.us",
        "action": "add",
        "participants": [
            {"jid": f"{PHONE}@s.whatsapp.net", "phone": f"{PHONE}@s.whatsapp.net"}
        ],
        "by": f"{OTHER}@s.whatsapp.net",
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def test_group_created_by_session_not_reported() -> None:
    event = from_go(
        neonize.JoinedGroup(
            GroupInfo=neonize.GroupInfo(JID=jid(GROUP, "g.us")), CreateKey="3EB0KEY"
        )
    )

    assert (
        notifications.joined_group_event(event, f"{PHONE}@s.whatsapp.net", MOMENT) is None
    )


def test_group_timer_change_not_reported() -> None:
    event = group_event(
        Ephemeral=neonize.GroupEphemeral(IsEphemeral=True, DisappearingTimer=86400)
    )

    assert notifications.group_info_events(event) == []


@pytest.mark.parametrize(
    ("unavailable", "last_seen", "state", "expected_last_seen"),
    [
        (False, 0, "available", None),
        (True, MOMENT_SECONDS - 300, "unavailable", "2026-03-04T05:01:07.000Z"),
        (True, 0, "unavailable", None),
    ],
)
def test_presence_data(
    unavailable: bool, last_seen: int, state: str, expected_last_seen: str | None
) -> None:
    event = from_go(
        neonize.Presence(
            From=jid(OTHER, "s.whatsapp.net"),
            Unavailable=unavailable,
            LastSeen=last_seen,
        )
    )

    translated = notifications.presence_event(event, MOMENT)
    assert translated is not None
    data = presence_update_data(translated)

    assert data == {
        "chat": f"{OTHER}@s.whatsapp.net",
        "from": f"{OTHER}@s.whatsapp.net",
        "state": state,
        "lastSeen": expected_last_seen,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


@pytest.mark.parametrize(
    ("state", "media", "expected"),
    [
        (neonize.ChatPresence.COMPOSING, neonize.ChatPresence.TEXT, "typing"),
        (neonize.ChatPresence.COMPOSING, neonize.ChatPresence.AUDIO, "recording"),
        (neonize.ChatPresence.PAUSED, neonize.ChatPresence.TEXT, "paused"),
    ],
)
def test_chat_presence_data(state: int, media: int, expected: str) -> None:
    source = neonize.MessageSource(
        Chat=jid(GROUP, "g.us"), Sender=jid(LID, "lid", device=4), IsGroup=True
    )
    event = from_go(
        neonize.ChatPresence(
            MessageSource=source, State=cast(Any, state), Media=cast(Any, media)
        )
    )

    translated = notifications.chat_presence_event(event, MOMENT)
    assert translated is not None
    data = presence_update_data(translated)

    assert data == {
        "chat": f"{GROUP}@g.us",
        "from": f"{LID}@lid",
        "state": expected,
        "lastSeen": None,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def call_meta() -> neonize.BasicCallMeta:
    return neonize.BasicCallMeta(
        **{"from": jid(LID, "lid", device=5)},
        timestamp=MOMENT_SECONDS,
        callCreator=jid(LID, "lid", device=5),
        callCreatorAlt=jid(OTHER, "s.whatsapp.net"),
        callID="CALL0001",
    )


def offer_node(*children: str, **attributes: str) -> neonize.Node:
    return neonize.Node(
        Tag="offer",
        Attrs=[
            neonize.NodeAttrs(name=name, text=text) for name, text in attributes.items()
        ],
        Nodes=[neonize.Node(Tag=tag) for tag in children],
    )


@pytest.mark.parametrize(
    ("node", "video", "is_group"),
    [
        (offer_node("audio", "net", "encopt"), False, False),
        (offer_node("audio", "video", "net"), True, False),
        (offer_node("audio", **{"group-jid": f"{GROUP}@g.us"}), False, True),
    ],
    ids=["voice", "video", "group"],
)
def test_call_offer_data(node: neonize.Node, video: bool, is_group: bool) -> None:
    event = from_go(neonize.CallOffer(basicCallMeta=call_meta(), data=node))

    translated = notifications.call_offer_event(event)
    assert translated is not None
    data = call_received_data(translated)

    assert data == {
        "callId": "CALL0001",
        "from": f"{LID}@lid",
        "fromPhone": f"{OTHER}@s.whatsapp.net",
        "video": video,
        "isGroup": is_group,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }


def test_group_call_notice_data() -> None:
    event = from_go(
        neonize.CallOfferNotice(basicCallMeta=call_meta(), media="video", type="group")
    )

    translated = notifications.call_offer_notice_event(event)
    assert translated is not None
    data = call_received_data(translated)

    assert data == {
        "callId": "CALL0001",
        "from": f"{LID}@lid",
        "fromPhone": f"{OTHER}@s.whatsapp.net",
        "video": True,
        "isGroup": True,
        "timestamp": "2026-03-04T05:06:07.000Z",
    }

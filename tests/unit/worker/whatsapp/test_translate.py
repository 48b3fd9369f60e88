"""neonize events, built from neonize's own protobuf classes, as driver events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import pytest
from google.protobuf.message import Message
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_common.schemas.sessions import Account
from wagate_worker.drivers.base import (
    Disconnected,
    Failed,
    LoggedOut,
    MessageReceived,
    ReceiptReceived,
)
from wagate_worker.drivers.whatsapp import translate

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
    is_group: bool = False,
    from_me: bool = False,
) -> neonize.Message:
    source = neonize.MessageSource(
        Chat=chat or jid(PHONE, "s.whatsapp.net"),
        Sender=sender or jid(PHONE, "s.whatsapp.net", device=3),
        IsFromMe=from_me,
        IsGroup=is_group,
        SenderAlt=sender_alt or empty_jid(),
        RecipientAlt=empty_jid(),
    )
    info = neonize.MessageInfo(
        MessageSource=source,
        ID="3EB0AAAA",
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
        text="hello",
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
        text="@15550100002 see above",
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


def test_own_message_not_reported() -> None:
    event = message(wa_e2e.Message(conversation="sent from the phone"), from_me=True)

    assert translate.message_event(event) is None


def test_image_message_not_translated_yet() -> None:
    body = wa_e2e.Message(imageMessage=wa_e2e.ImageMessage(caption="a photo"))

    assert translate.message_event(message(body)) is None


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

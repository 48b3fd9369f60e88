"""Event data: wire names, timestamps and the phone JID beside a sender."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wagate_common.schemas.sessions import SessionStatus
from wagate_worker.drivers.base import MessageReceived, ReceivedContent, SendResult
from wagate_worker.events.payloads import (
    message_ack_data,
    message_received_data,
    message_sent_data,
    phone_jid,
    session_status_data,
)

MOMENT = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def test_status_data_has_pairing_code_only_while_pairing() -> None:
    pairing = session_status_data(
        SessionStatus.PAIRING, SessionStatus.CONNECTING, None, None, "ABCD1234"
    )
    connected = session_status_data(
        SessionStatus.CONNECTED,
        SessionStatus.PAIRING,
        {"jid": "1@s.whatsapp.net"},
        None,
        None,
    )

    assert pairing == {
        "status": "pairing",
        "previousStatus": "connecting",
        "me": None,
        "lastError": None,
        "pairingCode": "ABCD1234",
    }
    assert "pairingCode" not in connected


def test_sent_data_names_and_time() -> None:
    result = SendResult(wa_message_id="WA1", timestamp=MOMENT)

    data = message_sent_data("msg_1", "15550100002@s.whatsapp.net", "text", result)

    assert data == {
        "id": "msg_1",
        "waMessageId": "WA1",
        "to": "15550100002@s.whatsapp.net",
        "type": "text",
        "status": "sent",
        "timestamp": "2026-01-02T03:04:05.678Z",
    }


def test_ack_data_without_record_has_null_id() -> None:
    data = message_ack_data(None, "WA9", "1555@s.whatsapp.net", "read", MOMENT)

    assert data["id"] is None
    assert data["status"] == "read"


def test_received_data_from_lid_sender() -> None:
    event = MessageReceived(
        wa_message_id="WA2",
        chat="123456789@lid",
        sender="123456789@lid",
        timestamp=MOMENT,
        content=ReceivedContent(type="text", text="hi"),
        push_name="Ann",
        sender_phone="+1 555 010 0003",
    )

    data = message_received_data(event)

    assert data == {
        "waMessageId": "WA2",
        "chat": "123456789@lid",
        "chatPhone": None,
        "from": "123456789@lid",
        "fromPhone": "15550100003@s.whatsapp.net",
        "fromMe": False,
        "pushName": "Ann",
        "timestamp": "2026-01-02T03:04:05.678Z",
        "isGroup": False,
        "forwarded": False,
        "edited": False,
        "replyTo": None,
        "mentions": [],
        "type": "text",
        "text": "hi",
        "caption": None,
        "media": None,
        "location": None,
        "contacts": [],
        "poll": None,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15550100001@s.whatsapp.net", "15550100001@s.whatsapp.net"),
        ("15550100001:12@s.whatsapp.net", "15550100001@s.whatsapp.net"),
        ("15550100001", "15550100001@s.whatsapp.net"),
        ("123456789@lid", None),
        ("120363000000000000@g.us", None),
        ("not a jid", None),
    ],
)
def test_phone_jid(value: str, expected: str | None) -> None:
    assert phone_jid(value) == expected

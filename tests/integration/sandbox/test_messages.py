"""Sending, receiving and receipts between sandbox sessions and phones."""

from __future__ import annotations

import re

import pytest

from tests.integration.sandbox.conftest import DeviceFactory
from tests.integration.sandbox.support import (
    Device,
    ask_api,
    assert_reply_error,
    pair_by_qr,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_sandbox.app import SandboxService
from wagate_worker.drivers.base import (
    MessageReceived,
    NotConnectedError,
    ReceiptReceived,
    SendError,
)

SESSION_PHONE = "15550100001"
SESSION_JID = f"{SESSION_PHONE}@s.whatsapp.net"
CONTACT_PHONE = "15550100002"
CONTACT_JID = f"{CONTACT_PHONE}@s.whatsapp.net"


@pytest.fixture
async def paired(infra: Infrastructure, make_device: DeviceFactory) -> Device:
    device = make_device("sender")
    await pair_by_qr(infra.nats, device, SESSION_PHONE, "Shop")
    return device


async def inbox_of(infra: Infrastructure, phone: str) -> list[dict[str, object]]:
    reply = await ask_api(infra.nats, "inbox", {"phone": phone})
    assert reply.ok, reply.error
    assert reply.data["phone"] == phone
    messages: list[dict[str, object]] = reply.data["messages"]
    return messages


async def test_send_lands_in_inbox_with_fields(
    infra: Infrastructure, paired: Device
) -> None:
    content = TextContent(
        text="Your order shipped", reply_to="3A0011", mentions=[CONTACT_JID]
    )

    result = await paired.driver.send_text("msg_1", CONTACT_JID, content)
    inbox = await inbox_of(infra, CONTACT_PHONE)

    assert re.fullmatch(r"3EB0[0-9A-F]{20}", result.wa_message_id)
    assert result.timestamp.tzinfo is not None
    assert len(inbox) == 1
    item = inbox[0]
    assert item["id"] == result.wa_message_id
    assert item["messageId"] == "msg_1"
    assert item["sessionId"] == "sender"
    assert item["from"] == SESSION_JID
    assert item["to"] == CONTACT_JID
    assert item["type"] == "text"
    assert item["text"] == "Your order shipped"
    assert item["replyTo"] == "3A0011"
    assert item["mentions"] == [CONTACT_JID]
    assert item["status"] == "sent"
    assert isinstance(item["timestamp"], str)
    assert item["timestamp"].endswith("Z")


async def test_inbox_lists_newest_last_within_limit(
    infra: Infrastructure, paired: Device
) -> None:
    for number in range(3):
        await paired.driver.send_text(
            f"msg_{number}", CONTACT_PHONE, TextContent(text=f"n{number}")
        )

    reply = await ask_api(infra.nats, "inbox", {"phone": "+1 555 010 0002", "limit": 2})

    assert reply.ok, reply.error
    assert [item["text"] for item in reply.data["messages"]] == ["n1", "n2"]


async def test_send_repeated_returns_first_answer(
    infra: Infrastructure, paired: Device
) -> None:
    first = await paired.driver.send_text("msg_once", CONTACT_JID, TextContent(text="hi"))

    second = await paired.driver.send_text(
        "msg_once", CONTACT_JID, TextContent(text="hi")
    )

    assert second == first
    assert len(await inbox_of(infra, CONTACT_PHONE)) == 1


async def test_receipt_reaches_driver_and_updates_inbox(
    infra: Infrastructure, paired: Device
) -> None:
    sent = await paired.driver.send_text("msg_r", CONTACT_JID, TextContent(text="hello"))

    delivered = await ask_api(
        infra.nats,
        "receipt",
        {"sessionId": "sender", "messageId": "msg_r", "status": "delivered"},
    )
    first = await paired.listener.wait_for(ReceiptReceived)
    read = await ask_api(
        infra.nats,
        "receipt",
        {"sessionId": "sender", "messageId": sent.wa_message_id, "status": "read"},
    )
    second = await paired.listener.wait_for(ReceiptReceived, 2)

    assert delivered.data == {
        "sessionId": "sender",
        "messageId": "msg_r",
        "waMessageId": sent.wa_message_id,
        "status": "delivered",
        "queued": False,
    }
    assert read.data["status"] == "read"
    assert first.wa_message_ids == [sent.wa_message_id]
    assert first.status == "delivered"
    assert first.chat == CONTACT_JID
    assert first.sender == CONTACT_JID
    assert second.status == "read"
    assert (await inbox_of(infra, CONTACT_PHONE))[0]["status"] == "read"


async def test_receipt_never_moves_status_back(
    infra: Infrastructure, paired: Device
) -> None:
    await paired.driver.send_text("msg_back", CONTACT_JID, TextContent(text="hello"))
    body = {"sessionId": "sender", "messageId": "msg_back"}
    await ask_api(infra.nats, "receipt", {**body, "status": "read"})
    await paired.listener.wait_for(ReceiptReceived)

    late = await ask_api(infra.nats, "receipt", {**body, "status": "delivered"})

    assert late.ok
    assert late.data["status"] == "read"
    assert len(paired.listener.of_type(ReceiptReceived)) == 1
    assert (await inbox_of(infra, CONTACT_PHONE))[0]["status"] == "read"


async def test_receipt_for_unknown_message_not_found(
    infra: Infrastructure, paired: Device
) -> None:
    reply = await ask_api(
        infra.nats,
        "receipt",
        {"sessionId": "sender", "messageId": "msg_missing", "status": "read"},
    )

    message = assert_reply_error(reply, 404, "NOT_FOUND")
    assert message.startswith("message 'msg_missing' not found in session 'sender';")


async def test_inbound_message_reaches_driver(
    infra: Infrastructure, paired: Device
) -> None:
    reply = await ask_api(
        infra.nats,
        "message",
        {"sessionId": "sender", "from": "+1 555 010 0002", "text": "Where is it?"},
    )
    received = await paired.listener.wait_for(MessageReceived)

    assert reply.ok, reply.error
    assert reply.data["queued"] is False
    assert reply.data["chat"] == CONTACT_JID
    assert re.fullmatch(r"3A[0-9A-F]{18}", reply.data["waMessageId"])
    assert received.wa_message_id == reply.data["waMessageId"]
    assert received.chat == CONTACT_JID
    assert received.sender == CONTACT_JID
    assert received.text == "Where is it?"
    assert received.is_group is False


async def test_message_to_unlinked_session_conflicts(
    infra: Infrastructure, sandbox: SandboxService
) -> None:
    reply = await ask_api(
        infra.nats,
        "message",
        {"sessionId": "nobody", "from": CONTACT_PHONE, "text": "hi"},
    )

    message = assert_reply_error(reply, 409, "SANDBOX_CONFLICT")
    assert "not linked" in message


async def test_two_sessions_talk(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    alice = make_device("alice")
    bob = make_device("bob")
    await pair_by_qr(infra.nats, alice, "15550100011", "Alice")
    await pair_by_qr(infra.nats, bob, "15550100012", "Bob")

    sent = await alice.driver.send_text(
        "msg_ab", "15550100012@s.whatsapp.net", TextContent(text="hi Bob")
    )
    received = await bob.listener.wait_for(MessageReceived)

    assert received.wa_message_id == sent.wa_message_id
    assert received.chat == "15550100011@s.whatsapp.net"
    assert received.sender == "15550100011@s.whatsapp.net"
    assert received.push_name == "Alice"
    assert received.text == "hi Bob"
    assert alice.listener.of_type(MessageReceived) == []


async def test_group_message_reaches_participants(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    alice = make_device("alice")
    bob = make_device("bob")
    await pair_by_qr(infra.nats, alice, "15550100011", "Alice")
    await pair_by_qr(infra.nats, bob, "15550100012", "Bob")
    created = await ask_api(
        infra.nats,
        "group",
        {
            "sessionId": "alice",
            "subject": "Team",
            "participants": ["+1 555 010 0012", "15550100013"],
        },
    )
    group = created.data["id"]

    sent = await alice.driver.send_text("msg_g", group, TextContent(text="hello all"))
    received = await bob.listener.wait_for(MessageReceived)

    assert created.ok, created.error
    assert re.fullmatch(r"120363[0-9]{12}@g\.us", group)
    assert created.data["owner"] == "15550100012@s.whatsapp.net"
    assert created.data["participants"] == [
        "15550100012@s.whatsapp.net",
        "15550100013@s.whatsapp.net",
        "15550100011@s.whatsapp.net",
    ]
    assert received.chat == group
    assert received.sender == "15550100011@s.whatsapp.net"
    assert received.is_group is True
    for phone in ("15550100012", "15550100013"):
        inbox = await inbox_of(infra, phone)
        assert [item["id"] for item in inbox] == [sent.wa_message_id]
        assert inbox[0]["to"] == group
    assert await inbox_of(infra, "15550100011") == []


async def test_contact_writes_in_group(infra: Infrastructure, paired: Device) -> None:
    created = await ask_api(
        infra.nats,
        "group",
        {"sessionId": "sender", "subject": "Family", "participants": [CONTACT_PHONE]},
    )
    group = created.data["id"]

    reply = await ask_api(
        infra.nats,
        "message",
        {
            "sessionId": "sender",
            "from": CONTACT_PHONE,
            "text": "dinner?",
            "groupId": group,
        },
    )
    received = await paired.listener.wait_for(MessageReceived)

    assert reply.ok, reply.error
    assert received.chat == group
    assert received.sender == CONTACT_JID
    assert received.is_group is True


async def test_group_message_from_outsider_conflicts(
    infra: Infrastructure, paired: Device
) -> None:
    created = await ask_api(
        infra.nats,
        "group",
        {"sessionId": "sender", "subject": "Family", "participants": [CONTACT_PHONE]},
    )

    reply = await ask_api(
        infra.nats,
        "message",
        {
            "sessionId": "sender",
            "from": "15550100099",
            "text": "let me in",
            "groupId": created.data["id"],
        },
    )

    assert_reply_error(reply, 409, "SANDBOX_CONFLICT")


async def test_send_to_unknown_group_fails_permanently(paired: Device) -> None:
    with pytest.raises(SendError) as raised:
        await paired.driver.send_text(
            "msg_x", "120363000000000001@g.us", TextContent(text="anyone?")
        )

    assert raised.value.permanent is True
    assert "GROUP_NOT_FOUND" in raised.value.reason


async def test_send_to_lid_fails_permanently(paired: Device) -> None:
    with pytest.raises(SendError) as raised:
        await paired.driver.send_text("msg_lid", "123456789@lid", TextContent(text="hi"))

    assert raised.value.permanent is True
    assert "INVALID_RECIPIENT" in raised.value.reason


async def test_send_when_not_connected_raises(make_device: DeviceFactory) -> None:
    device = make_device("offline")

    with pytest.raises(NotConnectedError) as raised:
        await device.driver.send_text("msg_off", CONTACT_JID, TextContent(text="hi"))

    assert raised.value.permanent is False


async def test_send_when_network_down_is_retryable(
    paired: Device, sandbox: SandboxService
) -> None:
    await sandbox.stop()

    with pytest.raises(SendError) as raised:
        await paired.driver.send_text("msg_down", CONTACT_JID, TextContent(text="hi"))

    assert raised.value.permanent is False
    assert not isinstance(raised.value, NotConnectedError)
    assert "not running" in raised.value.reason

"""Read receipts, presence and contacts asked of the sandbox by a session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.integration.sandbox.conftest import DeviceFactory
from tests.integration.sandbox.support import (
    Device,
    ask_api,
    create_group,
    inbox_of,
    pair_by_qr,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_sandbox.app import SandboxService
from wagate_worker.drivers.base import (
    Contact,
    Disconnected,
    DriverRequestError,
    PhoneCheck,
    SessionDriver,
)

SESSION_PHONE = "15550100001"
SESSION_JID = f"{SESSION_PHONE}@s.whatsapp.net"
CONTACT_PHONE = "15550100002"
CONTACT_JID = f"{CONTACT_PHONE}@s.whatsapp.net"


@pytest.fixture
async def paired(infra: Infrastructure, make_device: DeviceFactory) -> Device:
    device = make_device("shop")
    await pair_by_qr(infra.nats, device, SESSION_PHONE, "Shop")
    return device


async def write(infra: Infrastructure, sender: str, text: str, **extra: Any) -> str:
    reply = await ask_api(
        infra.nats,
        "message",
        {"sessionId": "shop", "from": sender, "text": text, **extra},
    )
    assert reply.ok, reply.error
    return str(reply.data["waMessageId"])


async def test_mark_read_shows_in_author_inbox(
    infra: Infrastructure, paired: Device
) -> None:
    first = await write(infra, CONTACT_PHONE, "one")
    second = await write(infra, CONTACT_PHONE, "two")

    await paired.driver.mark_read(CONTACT_JID, None, [first, second])
    [entry] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert entry["type"] == "read"
    assert entry["readIds"] == [first, second]
    assert entry["from"] == SESSION_JID
    assert entry["to"] == CONTACT_JID
    assert entry["id"] is None
    assert entry["status"] is None


async def test_mark_read_in_group_goes_to_authors(
    infra: Infrastructure, paired: Device
) -> None:
    group = await create_group(infra.nats, "shop", [CONTACT_PHONE, "15550100003"])
    by_contact = await write(infra, CONTACT_PHONE, "a", groupId=group)
    by_third = await write(infra, "15550100003", "b", groupId=group)

    await paired.driver.mark_read(group, None, [by_contact, by_third])

    [contact_entry] = await inbox_of(infra.nats, CONTACT_PHONE)
    [third_entry] = await inbox_of(infra.nats, "15550100003")
    assert contact_entry["readIds"] == [by_contact]
    assert contact_entry["to"] == group
    assert third_entry["readIds"] == [by_third]


async def test_presence_shows_in_chat_inboxes(
    infra: Infrastructure, paired: Device
) -> None:
    group = await create_group(infra.nats, "shop", [CONTACT_PHONE, "15550100003"])

    await paired.driver.send_presence(CONTACT_JID, "typing")
    await paired.driver.send_presence(group, "recording")
    await paired.driver.send_presence("", "available")

    typing, recording = await inbox_of(infra.nats, CONTACT_PHONE)
    [third] = await inbox_of(infra.nats, "15550100003")
    assert typing["type"] == "presence"
    assert typing["presence"] == "typing"
    assert typing["to"] == CONTACT_JID
    assert recording["presence"] == "recording"
    assert recording["to"] == group
    assert third["presence"] == "recording"


async def test_presence_without_chat_needs_global_state(paired: Device) -> None:
    with pytest.raises(DriverRequestError) as raised:
        await paired.driver.send_presence("", "typing")

    assert raised.value.status == 400
    assert raised.value.code == "VALIDATION_ERROR"


async def test_contacts_are_people_met(infra: Infrastructure, paired: Device) -> None:
    await write(infra, CONTACT_PHONE, "hello", pushName="Ann")
    await paired.driver.send_text("m1", "15550100004", TextContent(text="hi"))
    await create_group(infra.nats, "shop", ["15550100005"])

    contacts = await paired.driver.list_contacts()
    ann = await paired.driver.get_contact(CONTACT_JID)
    stranger = await paired.driver.get_contact("15550100099@s.whatsapp.net")

    jids = sorted(contact.jid for contact in contacts)
    assert jids == [
        CONTACT_JID,
        "15550100004@s.whatsapp.net",
        "15550100005@s.whatsapp.net",
    ]
    assert ann == Contact(jid=CONTACT_JID, phone=CONTACT_PHONE, push_name="Ann")
    assert stranger is None


async def test_check_phones_reserved_range(paired: Device) -> None:
    checks = await paired.driver.check_phones(["15550100002", "15550100000", "12"])

    assert checks == [
        PhoneCheck(phone="15550100002", on_whatsapp=True, jid=CONTACT_JID),
        PhoneCheck(phone="15550100000", on_whatsapp=False, jid=None),
        PhoneCheck(phone="12", on_whatsapp=False, jid=None),
    ]


async def test_profile_picture_rule(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", [CONTACT_PHONE])

    user = await paired.driver.profile_picture_url(CONTACT_JID)
    again = await paired.driver.profile_picture_url(CONTACT_JID)
    absent = await paired.driver.profile_picture_url("15550100000@s.whatsapp.net")
    of_group = await paired.driver.profile_picture_url(group)
    unknown_group = await paired.driver.profile_picture_url("120363999999999999@g.us")

    assert user == "https://pps.sandbox.invalid/v/15550100002.jpg"
    assert again == user
    assert absent is None
    assert of_group is not None
    assert of_group.startswith("https://pps.sandbox.invalid/")
    assert unknown_group is None


LiveCall = Callable[[SessionDriver], Awaitable[object]]
LIVE_CALLS: dict[str, LiveCall] = {
    "mark_read": lambda d: d.mark_read(CONTACT_JID, None, ["3A00"]),
    "send_presence": lambda d: d.send_presence(CONTACT_JID, "typing"),
    "list_contacts": lambda d: d.list_contacts(),
    "get_contact": lambda d: d.get_contact(CONTACT_JID),
    "check_phones": lambda d: d.check_phones([CONTACT_PHONE]),
    "profile_picture_url": lambda d: d.profile_picture_url(CONTACT_JID),
    "list_groups": lambda d: d.list_groups(),
    "get_group": lambda d: d.get_group("120363000000000001@g.us"),
    "create_group": lambda d: d.create_group("x", [CONTACT_PHONE]),
    "update_group": lambda d: d.update_group("120363000000000001@g.us", subject="y"),
    "update_participants": lambda d: d.update_participants(
        "120363000000000001@g.us", "add", [CONTACT_JID]
    ),
    "invite_link": lambda d: d.invite_link("120363000000000001@g.us"),
}


@pytest.mark.parametrize("name", sorted(LIVE_CALLS))
async def test_live_request_offline_not_connected(
    make_device: DeviceFactory, name: str
) -> None:
    device = make_device("idle")

    with pytest.raises(DriverRequestError) as raised:
        await LIVE_CALLS[name](device.driver)

    assert raised.value.status == 409
    assert raised.value.code == "SESSION_NOT_CONNECTED"


async def test_live_request_after_network_drop(
    infra: Infrastructure, paired: Device
) -> None:
    # The sandbox marks the device offline without telling it: the next
    # request learns it from the network's reply.
    devices = infra.db["sandbox_devices"]
    await devices.update_one({"_id": "shop"}, {"$set": {"online": False}})

    with pytest.raises(DriverRequestError) as raised:
        await paired.driver.list_contacts()
    disconnected = await paired.listener.wait_for(Disconnected)

    assert raised.value.code == "SESSION_NOT_CONNECTED"
    assert disconnected.expected is False
    assert paired.driver.state == "idle"


async def test_live_request_sandbox_down(paired: Device, sandbox: SandboxService) -> None:
    await sandbox.stop()

    with pytest.raises(DriverRequestError) as raised:
        await paired.driver.list_groups()

    assert raised.value.status == 503
    assert raised.value.code == "NOT_READY"

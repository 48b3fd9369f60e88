"""Live requests (contacts, phone checks, groups) online and offline, for every driver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.contract.harness import (
    CONTACT_JID,
    CONTACT_PHONE,
    NOT_ON_WHATSAPP_JID,
    NOT_ON_WHATSAPP_PHONE,
    OTHER_JID,
    SESSION_JID,
    SESSION_PHONE,
    DriverHarness,
    Notice,
    pair,
)
from wagate_worker.drivers.base import (
    Contact,
    DriverRequestError,
    GroupParticipant,
    MessageReceived,
    ParticipantResult,
    PhoneCheck,
    SessionDriver,
)

pytestmark = pytest.mark.integration

UNKNOWN_GROUP = "120363999999999999@g.us"

LiveCall = Callable[[SessionDriver], Awaitable[object]]
LIVE_CALLS: dict[str, LiveCall] = {
    "mark_read": lambda d: d.mark_read(CONTACT_JID, None, ["3A00"]),
    "send_presence": lambda d: d.send_presence(CONTACT_JID, "typing"),
    "list_contacts": lambda d: d.list_contacts(),
    "get_contact": lambda d: d.get_contact(CONTACT_JID),
    "check_phones": lambda d: d.check_phones([CONTACT_PHONE]),
    "profile_picture_url": lambda d: d.profile_picture_url(CONTACT_JID),
    "list_groups": lambda d: d.list_groups(),
    "get_group": lambda d: d.get_group(UNKNOWN_GROUP),
    "create_group": lambda d: d.create_group("x", [CONTACT_JID]),
    "update_group": lambda d: d.update_group(UNKNOWN_GROUP, subject="y"),
    "update_participants": lambda d: d.update_participants(
        UNKNOWN_GROUP, "add", [CONTACT_JID]
    ),
    "invite_link": lambda d: d.invite_link(UNKNOWN_GROUP),
    "download_media": lambda d: d.download_media({}),
}


@pytest.mark.parametrize("name", sorted(LIVE_CALLS))
async def test_live_request_offline_409(harness: DriverHarness, name: str) -> None:
    with pytest.raises(DriverRequestError) as raised:
        await LIVE_CALLS[name](harness.driver)

    assert raised.value.status == 409
    assert raised.value.code == "SESSION_NOT_CONNECTED"
    assert raised.value.message


async def test_contacts_include_sender(harness: DriverHarness) -> None:
    await pair(harness)
    await harness.deliver_text(CONTACT_PHONE, "hello", "Ann")
    await harness.listener.wait_for(MessageReceived)

    contacts = await harness.driver.list_contacts()
    ann = await harness.driver.get_contact(CONTACT_JID)
    stranger = await harness.driver.get_contact("15550100099@s.whatsapp.net")

    expected = Contact(jid=CONTACT_JID, phone=CONTACT_PHONE, push_name="Ann")
    assert expected in contacts
    assert ann == expected
    assert stranger is None


async def test_check_phones_in_input_order(harness: DriverHarness) -> None:
    await pair(harness)

    checks = await harness.driver.check_phones([NOT_ON_WHATSAPP_PHONE, CONTACT_PHONE])

    assert checks == [
        PhoneCheck(phone=NOT_ON_WHATSAPP_PHONE, on_whatsapp=False, jid=None),
        PhoneCheck(phone=CONTACT_PHONE, on_whatsapp=True, jid=CONTACT_JID),
    ]


async def test_group_created_with_account_as_owner(harness: DriverHarness) -> None:
    await pair(harness)

    group = await harness.driver.create_group(
        "Orders", [CONTACT_JID, NOT_ON_WHATSAPP_JID]
    )

    assert group.id.endswith("@g.us")
    assert group.subject == "Orders"
    assert group.owner == SESSION_JID
    assert group.description is None
    assert group.announce is False
    assert group.locked is False
    assert [member.jid for member in group.participants] == [SESSION_JID, CONTACT_JID]
    assert group.participants[0].admin == "superadmin"
    assert group.participants[1].admin is None


async def test_group_participants_carry_phone(harness: DriverHarness) -> None:
    await pair(harness)

    group = await harness.driver.create_group("Orders", [CONTACT_JID])

    # The api documents a participant's ``phone`` as the member's phone
    # number, given whenever the worker has it.
    assert group.participants == [
        GroupParticipant(jid=SESSION_JID, admin="superadmin", phone=SESSION_PHONE),
        GroupParticipant(jid=CONTACT_JID, admin=None, phone=CONTACT_PHONE),
    ]


async def test_participants_added_row_per_participant(harness: DriverHarness) -> None:
    await pair(harness)
    group = await harness.driver.create_group("Orders", [CONTACT_JID])

    rows = await harness.driver.update_participants(
        group.id, "add", [OTHER_JID, NOT_ON_WHATSAPP_JID]
    )
    after = await harness.driver.get_group(group.id)
    groups = await harness.driver.list_groups()

    assert rows[0] == ParticipantResult(jid=OTHER_JID, ok=True)
    assert rows[1].jid == NOT_ON_WHATSAPP_JID
    assert rows[1].ok is False
    assert rows[1].error
    assert len(rows) == 2
    assert [member.jid for member in after.participants] == [
        SESSION_JID,
        CONTACT_JID,
        OTHER_JID,
    ]
    assert [listed.id for listed in groups] == [group.id]


async def test_invite_link_of_own_group(harness: DriverHarness) -> None:
    await pair(harness)
    group = await harness.driver.create_group("Orders", [CONTACT_JID])

    link = await harness.driver.invite_link(group.id)
    same = await harness.driver.invite_link(group.id)
    renewed = await harness.driver.invite_link(group.id, reset=True)

    assert link.startswith("https://")
    assert same == link
    assert renewed != link


async def test_unknown_group_not_found(harness: DriverHarness) -> None:
    await pair(harness)

    with pytest.raises(DriverRequestError) as get:
        await harness.driver.get_group(UNKNOWN_GROUP)
    with pytest.raises(DriverRequestError) as participants:
        await harness.driver.update_participants(UNKNOWN_GROUP, "add", [CONTACT_JID])
    with pytest.raises(DriverRequestError) as invite:
        await harness.driver.invite_link(UNKNOWN_GROUP)

    assert (get.value.status, get.value.code) == (404, "GROUP_NOT_FOUND")
    assert (participants.value.status, participants.value.code) == (
        404,
        "GROUP_NOT_FOUND",
    )
    assert (invite.value.status, invite.value.code) == (404, "GROUP_NOT_FOUND")


async def test_mark_read_reaches_author(harness: DriverHarness) -> None:
    await pair(harness)
    incoming = await harness.deliver_text(CONTACT_PHONE, "is it in stock?")
    await harness.listener.wait_for(MessageReceived)

    await harness.driver.mark_read(CONTACT_JID, None, [incoming.wa_message_id])
    notices = await harness.notices(CONTACT_PHONE)

    assert notices == [
        Notice(kind="read", chat=CONTACT_JID, ids=[incoming.wa_message_id])
    ]


async def test_chat_presence_reaches_contact(harness: DriverHarness) -> None:
    await pair(harness)

    await harness.driver.send_presence(CONTACT_JID, "typing")
    await harness.driver.send_presence(CONTACT_JID, "recording")
    await harness.driver.send_presence(CONTACT_JID, "paused")
    notices = await harness.notices(CONTACT_PHONE)

    assert notices == [
        Notice(kind="presence", chat=CONTACT_JID, state="typing"),
        Notice(kind="presence", chat=CONTACT_JID, state="recording"),
        Notice(kind="presence", chat=CONTACT_JID, state="paused"),
    ]


async def test_download_of_unknown_media_not_found(harness: DriverHarness) -> None:
    await pair(harness)

    with pytest.raises(DriverRequestError) as raised:
        await harness.driver.download_media({})

    assert (raised.value.status, raised.value.code) == (404, "NOT_FOUND")


async def test_group_updated_field_by_field(harness: DriverHarness) -> None:
    await pair(harness)
    group = await harness.driver.create_group("Orders", [CONTACT_JID])

    updated = await harness.driver.update_group(
        group.id, subject="Orders 2", description="All orders", announce=True
    )
    locked = await harness.driver.update_group(group.id, locked=True)
    fetched = await harness.driver.get_group(group.id)

    assert updated.subject == "Orders 2"
    assert updated.description == "All orders"
    assert updated.announce is True
    assert updated.locked is False
    assert locked.locked is True
    assert locked.subject == "Orders 2"
    assert fetched == locked


async def test_unknown_group_update_not_found(harness: DriverHarness) -> None:
    await pair(harness)

    with pytest.raises(DriverRequestError) as raised:
        await harness.driver.update_group(UNKNOWN_GROUP, subject="x")

    assert (raised.value.status, raised.value.code) == (404, "GROUP_NOT_FOUND")

"""Groups through the sandbox driver and through phones, and the events they cause."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.sandbox.conftest import DeviceFactory
from tests.integration.sandbox.support import (
    Device,
    ask_api,
    assert_reply_error,
    create_group,
    pair_by_qr,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_worker.drivers.base import (
    DriverRequestError,
    GroupParticipant,
    GroupParticipantsChanged,
    GroupUpdated,
    MessageReceived,
    ParticipantResult,
    SendError,
)

SESSION_PHONE = "15550100001"
SESSION_JID = f"{SESSION_PHONE}@s.whatsapp.net"
ANN = "15550100002@s.whatsapp.net"
BOB = "15550100003@s.whatsapp.net"
CAROL = "15550100004@s.whatsapp.net"
NOT_ON_WHATSAPP = "15550100000@s.whatsapp.net"
UNKNOWN_GROUP = "120363999999999999@g.us"


@pytest.fixture
async def paired(infra: Infrastructure, make_device: DeviceFactory) -> Device:
    device = make_device("shop")
    await pair_by_qr(infra.nats, device, SESSION_PHONE, "Shop")
    return device


async def test_create_group_owned_by_session(paired: Device) -> None:
    group = await paired.driver.create_group(
        "Orders", [ANN, "+1 555 010 0003", NOT_ON_WHATSAPP]
    )
    added = await paired.listener.wait_for(GroupParticipantsChanged)

    assert group.id.endswith("@g.us")
    assert group.subject == "Orders"
    assert group.owner == SESSION_JID
    assert group.description is None
    assert group.announce is False
    assert group.locked is False
    assert group.created_at is not None
    assert group.participants == [
        GroupParticipant(jid=SESSION_JID, admin="superadmin", phone=SESSION_PHONE),
        GroupParticipant(jid=ANN, admin=None, phone="15550100002"),
        GroupParticipant(jid=BOB, admin=None, phone="15550100003"),
    ]
    assert added.group == group.id
    assert added.action == "add"
    assert added.participants == [ANN, BOB]
    assert added.by == SESSION_JID


async def test_create_group_invalid_participant(paired: Device) -> None:
    with pytest.raises(DriverRequestError) as raised:
        await paired.driver.create_group("Orders", ["not a phone"])

    assert raised.value.status == 400


async def test_list_and_get_groups(infra: Infrastructure, paired: Device) -> None:
    by_phone = await create_group(infra.nats, "shop", ["15550100002"], "Family")
    own = await paired.driver.create_group("Orders", [ANN])

    groups = await paired.driver.list_groups()
    fetched = await paired.driver.get_group(by_phone)

    assert [group.id for group in groups] == [by_phone, own.id]
    assert fetched.subject == "Family"
    assert fetched.owner == ANN
    assert fetched.participants[0] == GroupParticipant(
        jid=ANN, admin="superadmin", phone="15550100002"
    )


async def test_unknown_group_not_found(infra: Infrastructure, paired: Device) -> None:
    foreign = await create_group(infra.nats, "shop", ["15550100002"])
    await paired.driver.update_participants(foreign, "remove", [SESSION_JID])

    for group in (UNKNOWN_GROUP, foreign):
        with pytest.raises(DriverRequestError) as raised:
            await paired.driver.get_group(group)
        assert raised.value.status == 404
        assert raised.value.code == "GROUP_NOT_FOUND"
    with pytest.raises(DriverRequestError) as update:
        await paired.driver.update_group(UNKNOWN_GROUP, subject="x")
    with pytest.raises(DriverRequestError) as participants:
        await paired.driver.update_participants(UNKNOWN_GROUP, "add", [ANN])
    with pytest.raises(DriverRequestError) as invite:
        await paired.driver.invite_link(UNKNOWN_GROUP)
    with pytest.raises(SendError) as send:
        await paired.driver.send_text("m", UNKNOWN_GROUP, TextContent(text="x"))

    assert update.value.code == "GROUP_NOT_FOUND"
    assert participants.value.code == "GROUP_NOT_FOUND"
    assert invite.value.code == "GROUP_NOT_FOUND"
    assert "GROUP_NOT_FOUND" in send.value.reason


async def test_update_group_fields_and_event(paired: Device) -> None:
    group = await paired.driver.create_group("Orders", [ANN])

    updated = await paired.driver.update_group(
        group.id, subject="Orders 2", description="All orders", announce=True
    )
    event = await paired.listener.wait_for(GroupUpdated)
    cleared = await paired.driver.update_group(group.id, description="")
    second = await paired.listener.wait_for(GroupUpdated, 2)

    assert updated.subject == "Orders 2"
    assert updated.description == "All orders"
    assert updated.announce is True
    assert updated.locked is False
    assert event.group == group.id
    assert event.by == SESSION_JID
    assert event.subject == "Orders 2"
    assert event.description == "All orders"
    assert event.announce is True
    assert event.locked is None
    assert cleared.description is None
    assert second.description == ""
    assert second.subject is None


async def test_update_group_invalid_subject(paired: Device) -> None:
    group = await paired.driver.create_group("Orders", [ANN])

    with pytest.raises(DriverRequestError) as raised:
        await paired.driver.update_group(group.id, subject=" ")

    assert raised.value.status == 400


async def test_participants_rows_in_order(paired: Device) -> None:
    group = await paired.driver.create_group("Orders", [ANN])

    added = await paired.driver.update_participants(
        group.id, "add", [BOB, ANN, NOT_ON_WHATSAPP, "nonsense", "+1 555 010 0004"]
    )
    promoted = await paired.driver.update_participants(
        group.id, "promote", [BOB, "15550100077"]
    )
    demoted = await paired.driver.update_participants(
        group.id, "demote", [SESSION_JID, BOB]
    )
    removed = await paired.driver.update_participants(group.id, "remove", [CAROL, CAROL])
    after = await paired.driver.get_group(group.id)

    assert added == [
        ParticipantResult(jid=BOB, ok=True),
        ParticipantResult(jid=ANN, ok=False, error="already a participant"),
        ParticipantResult(jid=NOT_ON_WHATSAPP, ok=False, error="not on WhatsApp"),
        ParticipantResult(
            jid="nonsense", ok=False, error="not a phone number or user JID"
        ),
        ParticipantResult(jid=CAROL, ok=True),
    ]
    assert promoted == [
        ParticipantResult(jid=BOB, ok=True),
        ParticipantResult(
            jid="15550100077@s.whatsapp.net", ok=False, error="not a participant"
        ),
    ]
    assert demoted == [
        ParticipantResult(
            jid=SESSION_JID, ok=False, error="the group's creator cannot be demoted"
        ),
        ParticipantResult(jid=BOB, ok=True),
    ]
    assert removed == [
        ParticipantResult(jid=CAROL, ok=True),
        ParticipantResult(jid=CAROL, ok=False, error="not a participant"),
    ]
    assert [p.jid for p in after.participants] == [SESSION_JID, ANN, BOB]
    assert all(p.admin is None for p in after.participants[1:])


async def test_participants_events_list_changed_only(paired: Device) -> None:
    group = await paired.driver.create_group("Orders", [ANN])
    await paired.listener.wait_for(GroupParticipantsChanged)

    await paired.driver.update_participants(group.id, "add", [ANN, BOB])
    await paired.driver.update_participants(group.id, "remove", [NOT_ON_WHATSAPP])
    await paired.driver.update_participants(group.id, "promote", [BOB])
    added = await paired.listener.wait_for(GroupParticipantsChanged, 2)
    promoted = await paired.listener.wait_for(GroupParticipantsChanged, 3)

    assert added.action == "add"
    assert added.participants == [BOB]
    assert promoted.action == "promote"
    assert promoted.participants == [BOB]
    assert len(paired.listener.of_type(GroupParticipantsChanged)) == 3


async def test_non_admin_session_forbidden(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", ["15550100002"])

    with pytest.raises(DriverRequestError) as add:
        await paired.driver.update_participants(group, "add", [BOB])
    with pytest.raises(DriverRequestError) as settings:
        await paired.driver.update_group(group, announce=True)
    with pytest.raises(DriverRequestError) as invite:
        await paired.driver.invite_link(group)
    renamed = await paired.driver.update_group(group, subject="Renamed")
    left = await paired.driver.update_participants(group, "remove", [SESSION_JID])

    assert add.value.status == 403
    assert add.value.code == "FORBIDDEN"
    assert settings.value.code == "FORBIDDEN"
    assert invite.value.code == "FORBIDDEN"
    assert renamed.subject == "Renamed"
    assert left == [ParticipantResult(jid=SESSION_JID, ok=True)]


async def test_invite_link_reset(paired: Device) -> None:
    group = await paired.driver.create_group("Orders", [ANN])

    first = await paired.driver.invite_link(group.id)
    same = await paired.driver.invite_link(group.id)
    reset = await paired.driver.invite_link(group.id, reset=True)
    after = await paired.driver.invite_link(group.id)

    assert first.startswith("https://chat.sandbox.invalid/")
    assert same == first
    assert reset != first
    assert after == reset


async def test_announce_group_blocks_non_admins(
    infra: Infrastructure, paired: Device
) -> None:
    group = await paired.driver.create_group("News", [ANN])
    await paired.driver.update_group(group.id, announce=True)

    by_phone = await ask_api(
        infra.nats,
        "message",
        {"sessionId": "shop", "from": "15550100002", "text": "hi", "groupId": group.id},
    )
    await paired.driver.send_text("m_news", group.id, TextContent(text="news"))

    assert_reply_error(by_phone, 403, "FORBIDDEN")


async def phone_change(infra: Infrastructure, operation: str, **body: Any) -> Any:
    return await ask_api(infra.nats, operation, {"sessionId": "shop", **body})


async def test_phone_changes_participants(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", ["15550100002", "15550100003"])

    reply = await phone_change(
        infra,
        "participants",
        groupId=group,
        by="15550100002",
        action="promote",
        participants=[SESSION_JID, "15550100009"],
    )
    event = await paired.listener.wait_for(GroupParticipantsChanged)
    fetched = await paired.driver.get_group(group)

    assert reply.ok, reply.error
    assert reply.data["results"] == [
        {"jid": SESSION_JID, "ok": True, "error": None},
        {"jid": "15550100009@s.whatsapp.net", "ok": False, "error": "not a participant"},
    ]
    assert event.action == "promote"
    assert event.participants == [SESSION_JID]
    assert event.by == ANN
    assert fetched.participants[-1] == GroupParticipant(
        jid=SESSION_JID, admin="admin", phone=SESSION_PHONE
    )


async def test_phone_removes_session(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", ["15550100002"])

    reply = await phone_change(
        infra,
        "participants",
        groupId=group,
        by="15550100002",
        action="remove",
        participants=[SESSION_PHONE],
    )
    event = await paired.listener.wait_for(GroupParticipantsChanged)

    assert reply.ok, reply.error
    assert event.action == "remove"
    assert event.participants == [SESSION_JID]
    with pytest.raises(DriverRequestError):
        await paired.driver.get_group(group)


async def test_phone_updates_group(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", ["15550100002", "15550100003"])

    reply = await phone_change(
        infra, "group_update", groupId=group, by="15550100002", subject="New", locked=True
    )
    event = await paired.listener.wait_for(GroupUpdated)
    by_member = await phone_change(
        infra, "group_update", groupId=group, by="15550100003", description="x"
    )

    assert reply.ok, reply.error
    assert reply.data["subject"] == "New"
    assert reply.data["locked"] is True
    assert event.subject == "New"
    assert event.locked is True
    assert event.by == ANN
    assert_reply_error(by_member, 403, "FORBIDDEN")


async def test_phone_group_change_errors(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", ["15550100002", "15550100003"])
    other = await create_group(infra.nats, "shop", ["15550100002"])
    await paired.driver.update_participants(other, "remove", [SESSION_JID])

    not_admin = await phone_change(
        infra,
        "participants",
        groupId=group,
        by="15550100003",
        action="add",
        participants=["15550100004"],
    )
    outsider = await phone_change(
        infra, "group_update", groupId=group, by="15550100009", subject="x"
    )
    unknown = await phone_change(
        infra, "group_update", groupId=UNKNOWN_GROUP, by="15550100002", subject="x"
    )
    without_session = await phone_change(
        infra, "group_update", groupId=other, by="15550100002", subject="x"
    )
    invalid = await phone_change(
        infra, "participants", groupId=group, by="x", action="add", participants=["1"]
    )

    assert_reply_error(not_admin, 403, "FORBIDDEN")
    assert_reply_error(outsider, 404, "GROUP_NOT_FOUND")
    assert_reply_error(unknown, 404, "GROUP_NOT_FOUND")
    assert_reply_error(without_session, 404, "GROUP_NOT_FOUND")
    assert_reply_error(invalid, 400, "VALIDATION_ERROR")


async def test_other_member_session_sees_changes(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    alice = make_device("alice")
    bob = make_device("bob")
    await pair_by_qr(infra.nats, alice, SESSION_PHONE, "Alice")
    await pair_by_qr(infra.nats, bob, "15550100002", "Bob")

    group = await alice.driver.create_group("Pair", [ANN])
    joined = await bob.listener.wait_for(GroupParticipantsChanged)
    await alice.driver.update_group(group.id, subject="Pair 2")
    renamed = await bob.listener.wait_for(GroupUpdated)
    await alice.driver.send_text("m_pair", group.id, TextContent(text="hi"))
    received = await bob.listener.wait_for(MessageReceived)

    assert joined.participants == [ANN]
    assert joined.by == SESSION_JID
    assert renamed.subject == "Pair 2"
    assert received.chat == group.id
    assert received.sender == SESSION_JID

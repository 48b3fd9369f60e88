"""Live requests of the WhatsApp driver on neonize's client with a fake Go library."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e
from neonize.utils.enum import ChatPresence, ChatPresenceMedia, ReceiptType

from tests.unit.worker.whatsapp.fakes import Harness
from wagate_worker.drivers.base import (
    Contact,
    DriverRequestError,
    GroupInfo,
    GroupParticipant,
    MessageReceived,
    ParticipantResult,
    PhoneCheck,
)
from wagate_worker.drivers.whatsapp import translate
from wagate_worker.drivers.whatsapp.results import NO_RESULT

GROUP = "120363012345678901@g.us"
GROUP_JID = neonize.JID(
    User="120363012345678901",
    Server="g.us",
    RawAgent=0,
    Device=0,
    Integrator=0,
    IsEmpty=False,
)
ANA = "15550100002"
ANA_LID = "123456789012345"
BEN = "15550100003"


def user(digits: str, server: str = "s.whatsapp.net") -> neonize.JID:
    return neonize.JID(
        User=digits, Server=server, RawAgent=0, Device=0, Integrator=0, IsEmpty=False
    )


def group_info(**changes: Any) -> neonize.GroupInfo:
    info = neonize.GroupInfo(
        JID=GROUP_JID,
        OwnerJID=user(ANA_LID, "lid"),
        OwnerPN=user(ANA),
        GroupName=neonize.GroupName(Name="Launch team"),
        GroupTopic=neonize.GroupTopic(Topic="Ship on Friday"),
        GroupAnnounce=neonize.GroupAnnounce(IsAnnounce=True),
        GroupLocked=neonize.GroupLocked(isLocked=False),
        # neonize sends this time as a 32-bit float, which represents
        # multiples of 128 s exactly at this size.
        GroupCreated=1_772_600_704,
        Participants=[
            neonize.GroupParticipant(
                JID=user(ANA_LID, "lid"),
                PhoneNumber=user(ANA),
                IsAdmin=True,
                IsSuperAdmin=True,
            ),
            neonize.GroupParticipant(JID=user(BEN), IsAdmin=True),
            neonize.GroupParticipant(JID=user("15550100004")),
        ],
    )
    for name, value in changes.items():
        setattr(info, name, value)
    return info


EXPECTED_GROUP = GroupInfo(
    id=GROUP,
    subject="Launch team",
    description="Ship on Friday",
    owner=f"{ANA}@s.whatsapp.net",
    created_at=datetime(2026, 3, 4, 5, 5, 4, tzinfo=UTC),
    announce=True,
    locked=False,
    participants=[
        GroupParticipant(jid=f"{ANA_LID}@lid", admin="superadmin", phone=ANA),
        GroupParticipant(jid=f"{BEN}@s.whatsapp.net", admin="admin", phone=BEN),
        GroupParticipant(jid="15550100004@s.whatsapp.net", phone="15550100004"),
    ],
)


@pytest.fixture
async def online(harness: Harness) -> Harness:
    await harness.connect_paired()
    return harness


async def test_mark_read_in_group_names_sender(online: Harness) -> None:
    await online.driver.mark_read(
        GROUP, f"{ANA}:3@s.whatsapp.net", ["3EB0ONE", "3EB0TWO"]
    )

    [(function, arguments)] = online.go.requests
    assert function == "MarkRead"
    assert arguments["ids"] == ["3EB0ONE", "3EB0TWO"]
    assert arguments["chat"] == GROUP_JID
    assert (arguments["sender"].User, arguments["sender"].Device) == (ANA, 3)
    assert arguments["receipt"] == ReceiptType.READ.value


async def test_mark_read_in_direct_chat_without_sender(online: Harness) -> None:
    await online.driver.mark_read(f"{ANA}@s.whatsapp.net", None, ["3EB0ONE"])

    [(_, arguments)] = online.go.requests
    assert arguments["chat"].User == ANA
    assert arguments["sender"].IsEmpty


async def test_mark_read_in_group_needs_sender(online: Harness) -> None:
    with pytest.raises(DriverRequestError) as raised:
        await online.driver.mark_read(GROUP, None, ["3EB0ONE"])

    assert (raised.value.status, raised.value.code) == (400, "VALIDATION_ERROR")
    assert online.go.requests == []


@pytest.mark.parametrize(
    ("state", "chat_state", "media"),
    [
        (
            "typing",
            ChatPresence.CHAT_PRESENCE_COMPOSING,
            ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT,
        ),
        (
            "recording",
            ChatPresence.CHAT_PRESENCE_COMPOSING,
            ChatPresenceMedia.CHAT_PRESENCE_MEDIA_AUDIO,
        ),
        (
            "paused",
            ChatPresence.CHAT_PRESENCE_PAUSED,
            ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT,
        ),
    ],
)
async def test_chat_presence_sent(
    online: Harness, state: Any, chat_state: ChatPresence, media: ChatPresenceMedia
) -> None:
    await online.driver.send_presence(f"{ANA}@s.whatsapp.net", state)

    assert online.go.requests == [
        (
            "SendChatPresence",
            {"jid": user(ANA), "state": chat_state.value, "media": media.value},
        )
    ]


@pytest.mark.parametrize(
    ("state", "value"), [("available", b"available"), ("unavailable", b"unavailable")]
)
async def test_account_presence_sent(online: Harness, state: Any, value: bytes) -> None:
    await online.driver.send_presence(f"{ANA}@s.whatsapp.net", state)

    assert online.go.requests == [("SendPresence", {"presence": value})]


async def test_presence_error_mapped(online: Harness) -> None:
    online.go.errors["SendChatPresence"] = "websocket not connected"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.send_presence(GROUP, "typing")

    assert (raised.value.status, raised.value.code) == (409, "SESSION_NOT_CONNECTED")


async def test_contacts_listed_from_store(online: Harness) -> None:
    online.go.replies["GetAllContacts"] = neonize.ContactsGetAllContactsReturnFunction(
        Contact=[
            neonize.Contact(
                JID=user(ANA),
                Info=neonize.ContactInfo(
                    Found=True, FirstName="Ana", FullName="Ana Lima", PushName="ana"
                ),
            ),
            neonize.Contact(
                JID=user(ANA_LID, "lid"),
                Info=neonize.ContactInfo(Found=True, BusinessName="Lima Bakery"),
            ),
            neonize.Contact(JID=neonize.JID(IsEmpty=True)),
        ]
    )

    contacts = await online.driver.list_contacts()

    assert contacts == [
        Contact(jid=f"{ANA}@s.whatsapp.net", phone=ANA, name="Ana Lima", push_name="ana"),
        Contact(jid=f"{ANA_LID}@lid", business_name="Lima Bakery"),
    ]


async def test_contact_found_in_store(online: Harness) -> None:
    online.go.replies["GetContact"] = neonize.ContactsGetContactReturnFunction(
        ContactInfo=neonize.ContactInfo(Found=True, FirstName="Ana", PushName="ana")
    )

    contact = await online.driver.get_contact(f"{ANA}:2@s.whatsapp.net")

    assert contact == Contact(
        jid=f"{ANA}@s.whatsapp.net", phone=ANA, name="Ana", push_name="ana"
    )
    assert online.go.requests[0][1]["jid"].Device == 2


async def test_unknown_contact_is_none(online: Harness) -> None:
    online.go.replies["GetContact"] = neonize.ContactsGetContactReturnFunction(
        ContactInfo=neonize.ContactInfo(Found=False)
    )

    assert await online.driver.get_contact(f"{ANA}@s.whatsapp.net") is None


async def test_contact_store_error_mapped(online: Harness) -> None:
    online.go.errors["GetAllContacts"] = (
        "failed to query contacts: sql: database is closed"
    )

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.list_contacts()

    assert (raised.value.status, raised.value.code) == (502, "WHATSAPP_ERROR")
    assert "database is closed" in raised.value.message


async def test_phones_checked_in_input_order(online: Harness) -> None:
    online.go.replies["IsOnWhatsApp"] = neonize.IsOnWhatsAppReturnFunction(
        IsOnWhatsAppResponse=[
            neonize.IsOnWhatsAppResponse(Query=f"+{BEN}", JID=user(BEN), IsIn=False),
            neonize.IsOnWhatsAppResponse(Query=f"+{ANA}", JID=user(ANA), IsIn=True),
        ]
    )

    checks = await online.driver.check_phones([ANA, BEN, "15550100009"])

    assert online.go.requests == [
        ("IsOnWhatsApp", {"numbers": [f"+{ANA}", f"+{BEN}", "+15550100009"]})
    ]
    assert checks == [
        PhoneCheck(phone=ANA, on_whatsapp=True, jid=f"{ANA}@s.whatsapp.net"),
        PhoneCheck(phone=BEN, on_whatsapp=False),
        PhoneCheck(phone="15550100009", on_whatsapp=False),
    ]


async def test_no_phones_asks_nothing(online: Harness) -> None:
    assert await online.driver.check_phones([]) == []
    assert online.go.requests == []


async def test_profile_picture_url_returned(online: Harness) -> None:
    online.go.replies["GetProfilePicture"] = neonize.GetProfilePictureReturnFunction(
        Picture=neonize.ProfilePictureInfo(URL="https://pps.whatsapp.net/v/t61/a.jpg")
    )

    url = await online.driver.profile_picture_url(f"{ANA}@s.whatsapp.net")

    assert url == "https://pps.whatsapp.net/v/t61/a.jpg"
    assert online.go.requests[0][1]["jid"] == user(ANA)


@pytest.mark.parametrize(
    "error",
    [
        "the user has hidden their profile picture from you",
        "that user does not have a profile picture",
        "info query returned status 404: item-not-found",
    ],
)
async def test_missing_profile_picture_is_none(online: Harness, error: str) -> None:
    online.go.errors["GetProfilePicture"] = error

    assert await online.driver.profile_picture_url(f"{ANA}@s.whatsapp.net") is None


async def test_profile_picture_timeout_raised(online: Harness) -> None:
    online.go.errors["GetProfilePicture"] = "info query timed out"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.profile_picture_url(f"{ANA}@s.whatsapp.net")

    assert (raised.value.status, raised.value.code) == (504, "WHATSAPP_TIMEOUT")


async def test_groups_listed(online: Harness) -> None:
    online.go.replies["GetJoinedGroups"] = neonize.GetJoinedGroupsReturnFunction(
        Group=[group_info()]
    )

    assert await online.driver.list_groups() == [EXPECTED_GROUP]


async def test_group_read(online: Harness) -> None:
    online.go.replies["GetGroupInfo"] = neonize.GetGroupInfoReturnFunction(
        GroupInfo=group_info()
    )

    group = await online.driver.get_group(GROUP)

    assert group == EXPECTED_GROUP
    assert online.go.requests == [("GetGroupInfo", {"jid": GROUP_JID})]


async def test_group_without_description_or_date(online: Harness) -> None:
    info = group_info()
    info.ClearField("GroupTopic")
    info.ClearField("GroupCreated")
    info.ClearField("OwnerPN")
    online.go.replies["GetGroupInfo"] = neonize.GetGroupInfoReturnFunction(GroupInfo=info)

    group = await online.driver.get_group(GROUP)

    assert group.description is None
    assert group.created_at is None
    assert group.owner == f"{ANA_LID}@lid"


@pytest.mark.parametrize(
    "error",
    [
        "group not found",
        "you're not participating in that group",
        "info query returned status 404: item-not-found",
    ],
)
async def test_unknown_group_not_found(online: Harness, error: str) -> None:
    online.go.errors["GetGroupInfo"] = error

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.get_group(GROUP)

    assert (raised.value.status, raised.value.code) == (404, "GROUP_NOT_FOUND")
    assert GROUP in raised.value.message


async def test_non_group_jid_not_found(online: Harness) -> None:
    with pytest.raises(DriverRequestError) as raised:
        await online.driver.get_group(f"{ANA}@s.whatsapp.net")

    assert (raised.value.status, raised.value.code) == (404, "GROUP_NOT_FOUND")
    assert online.go.requests == []


async def test_group_created(online: Harness) -> None:
    online.go.replies["CreateGroup"] = neonize.GetGroupInfoReturnFunction(
        GroupInfo=group_info()
    )

    group = await online.driver.create_group(
        "Launch team", [f"{ANA}@s.whatsapp.net", f"{BEN}@s.whatsapp.net"]
    )

    assert group == EXPECTED_GROUP
    [(function, arguments)] = online.go.requests
    request = arguments["request"]
    assert function == "CreateGroup"
    assert request.name == "Launch team"
    assert list(request.Participants) == [user(ANA), user(BEN)]
    assert request.CreateKey == "3EB0CREATEKEY"


async def test_group_creation_refused(online: Harness) -> None:
    online.go.errors["CreateGroup"] = "info query returned status 403: forbidden"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.create_group("x", [f"{ANA}@s.whatsapp.net"])

    assert (raised.value.status, raised.value.code) == (403, "FORBIDDEN")


async def test_group_updated_field_by_field(online: Harness) -> None:
    online.go.replies["GetGroupInfo"] = neonize.GetGroupInfoReturnFunction(
        GroupInfo=group_info()
    )

    group = await online.driver.update_group(
        GROUP, subject="Launch team", description="", announce=True, locked=False
    )

    assert group == EXPECTED_GROUP
    assert online.go.requests == [
        ("SetGroupName", {"jid": GROUP_JID, "name": "Launch team"}),
        (
            "SetGroupTopic",
            {"jid": GROUP_JID, "previous_id": "", "new_id": "", "topic": ""},
        ),
        ("SetGroupAnnounce", {"jid": GROUP_JID, "value": True}),
        ("SetGroupLocked", {"jid": GROUP_JID, "value": False}),
        ("GetGroupInfo", {"jid": GROUP_JID}),
    ]


async def test_group_update_changes_only_given_fields(online: Harness) -> None:
    online.go.replies["GetGroupInfo"] = neonize.GetGroupInfoReturnFunction(
        GroupInfo=group_info()
    )

    await online.driver.update_group(GROUP, locked=True)

    assert [function for function, _ in online.go.requests] == [
        "SetGroupLocked",
        "GetGroupInfo",
    ]


async def test_group_update_by_non_admin_forbidden(online: Harness) -> None:
    online.go.errors["SetGroupName"] = "info query returned status 401: not-authorized"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.update_group(GROUP, subject="x", locked=True)

    assert (raised.value.status, raised.value.code) == (403, "FORBIDDEN")
    assert [function for function, _ in online.go.requests] == ["SetGroupName"]


async def test_participants_results_in_input_order(online: Harness) -> None:
    online.go.replies["UpdateGroupParticipants"] = (
        neonize.UpdateGroupParticipantsReturnFunction(
            participants=[
                neonize.GroupParticipant(JID=user(BEN), Error=403),
                neonize.GroupParticipant(
                    JID=user(ANA_LID, "lid"), PhoneNumber=user(ANA), Error=0
                ),
                neonize.GroupParticipant(JID=user("15550100005"), Error=999),
            ]
        )
    )
    requested = [
        f"{ANA}@s.whatsapp.net",
        f"{BEN}@s.whatsapp.net",
        "15550100004@s.whatsapp.net",
        "15550100005@s.whatsapp.net",
    ]

    rows = await online.driver.update_participants(GROUP, "add", requested)

    [(function, arguments)] = online.go.requests
    assert function == "UpdateGroupParticipants"
    assert arguments["jid"] == GROUP_JID
    assert arguments["participants"] == [
        user(ANA),
        user(BEN),
        user("15550100004"),
        user("15550100005"),
    ]
    assert arguments["action"] == "add"
    assert rows == [
        ParticipantResult(jid=f"{ANA}@s.whatsapp.net", ok=True),
        ParticipantResult(
            jid=f"{BEN}@s.whatsapp.net",
            ok=False,
            error="not allowed by the person's privacy settings; "
            "they can be invited instead",
        ),
        ParticipantResult(jid="15550100004@s.whatsapp.net", ok=False, error=NO_RESULT),
        ParticipantResult(
            jid="15550100005@s.whatsapp.net", ok=False, error="WhatsApp error 999"
        ),
    ]


@pytest.mark.parametrize("action", ["remove", "promote", "demote"])
async def test_participant_actions_passed(online: Harness, action: Any) -> None:
    await online.driver.update_participants(GROUP, action, [f"{ANA}@s.whatsapp.net"])

    assert online.go.requests[0][1]["action"] == action


async def test_participants_of_unknown_group(online: Harness) -> None:
    online.go.errors["UpdateGroupParticipants"] = "group not found"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.update_participants(GROUP, "add", [f"{ANA}@s.whatsapp.net"])

    assert (raised.value.status, raised.value.code) == (404, "GROUP_NOT_FOUND")


@pytest.mark.parametrize("reset", [False, True])
async def test_invite_link_returned(online: Harness, reset: bool) -> None:
    online.go.replies["GetGroupInviteLink"] = neonize.GetGroupInviteLinkReturnFunction(
        InviteLink="https://chat.whatsapp.com/AbCdEfGhIjK"
    )

    link = await online.driver.invite_link(GROUP, reset=reset)

    assert link == "https://chat.whatsapp.com/AbCdEfGhIjK"
    assert online.go.requests == [
        ("GetGroupInviteLink", {"jid": GROUP_JID, "revoke": reset})
    ]


async def test_invite_link_of_group_left(online: Harness) -> None:
    online.go.errors["GetGroupInviteLink"] = "you're not participating in that group"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.invite_link(GROUP)

    assert raised.value.code == "GROUP_NOT_FOUND"


def received_descriptor() -> dict[str, Any]:
    image = wa_e2e.ImageMessage(
        URL="https://mmg.whatsapp.net/v/t62/a.enc",
        directPath="/v/t62/a.enc",
        mediaKey=b"k" * 32,
        fileEncSHA256=b"e" * 32,
        fileSHA256=b"s" * 32,
        fileLength=12,
        mimetype="image/jpeg",
        caption="not needed to download",
    )
    source = neonize.MessageSource(
        Chat=user(ANA), Sender=user(ANA), SenderAlt=neonize.JID(IsEmpty=True)
    )
    event = neonize.Message(
        Info=neonize.MessageInfo(MessageSource=source, ID="3EB0IMG", Timestamp=1),
        Message=wa_e2e.Message(imageMessage=image),
    )
    received = translate.message_event(event)
    assert isinstance(received, MessageReceived)
    assert received.content.media is not None
    return dict(received.content.media.download)


async def test_media_downloaded_from_descriptor(online: Harness) -> None:
    online.go.replies["DownloadAny"] = neonize.DownloadReturnFunction(
        Binary=b"jpeg bytes"
    )

    data = await online.driver.download_media(received_descriptor())

    assert data == b"jpeg bytes"
    [(function, arguments)] = online.go.requests
    image = arguments["message"].imageMessage
    assert function == "DownloadAny"
    assert image.directPath == "/v/t62/a.enc"
    assert image.mediaKey == b"k" * 32
    assert image.fileEncSHA256 == b"e" * 32
    assert image.fileSHA256 == b"s" * 32
    assert image.fileLength == 12


async def test_expired_media_not_found(online: Harness) -> None:
    online.go.errors["DownloadAny"] = "download failed with status code 410"

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.download_media(received_descriptor())

    assert (raised.value.status, raised.value.code) == (404, "NOT_FOUND")
    assert "no longer on WhatsApp's servers" in raised.value.message


async def test_foreign_descriptor_not_downloaded(online: Harness) -> None:
    descriptor = {
        "version": 1,
        "field": "imageMessage",
        "message": base64.b64encode(b"\xff").decode(),
    }

    with pytest.raises(DriverRequestError) as raised:
        await online.driver.download_media(descriptor)

    assert (raised.value.status, raised.value.code) == (404, "NOT_FOUND")
    assert online.go.requests == []


async def test_requests_offline_rejected(harness: Harness) -> None:
    requests = [
        harness.driver.mark_read(GROUP, None, ["x"]),
        harness.driver.send_presence(GROUP, "typing"),
        harness.driver.list_contacts(),
        harness.driver.get_contact(f"{ANA}@s.whatsapp.net"),
        harness.driver.check_phones([ANA]),
        harness.driver.profile_picture_url(f"{ANA}@s.whatsapp.net"),
        harness.driver.list_groups(),
        harness.driver.get_group(GROUP),
        harness.driver.create_group("x", []),
        harness.driver.update_group(GROUP, subject="x"),
        harness.driver.update_participants(GROUP, "add", []),
        harness.driver.invite_link(GROUP),
        harness.driver.download_media({}),
    ]
    for request in requests:
        with pytest.raises(DriverRequestError) as raised:
            await request
        assert (raised.value.status, raised.value.code) == (409, "SESSION_NOT_CONNECTED")
    assert harness.go.requests == []


async def test_invalid_jid_rejected_before_go(online: Harness) -> None:
    with pytest.raises(DriverRequestError) as raised:
        await online.driver.get_contact("not a jid")

    assert (raised.value.status, raised.value.code) == (400, "VALIDATION_ERROR")
    assert online.go.requests == []

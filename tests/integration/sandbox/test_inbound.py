"""What phones send and do reaches the session as the matching driver events."""

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
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_common.vcard import build_vcard
from wagate_worker.drivers.base import (
    CallReceived,
    Connected,
    DriverRequestError,
    MessageReceived,
    MessageRevoked,
    PresenceChanged,
    ReactionReceived,
)

SESSION_PHONE = "15550100001"
SESSION_JID = f"{SESSION_PHONE}@s.whatsapp.net"
CONTACT_PHONE = "15550100002"
CONTACT_JID = f"{CONTACT_PHONE}@s.whatsapp.net"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
async def paired(infra: Infrastructure, make_device: DeviceFactory) -> Device:
    device = make_device("shop")
    await pair_by_qr(infra.nats, device, SESSION_PHONE, "Shop")
    return device


async def write(infra: Infrastructure, **body: Any) -> dict[str, Any]:
    reply = await ask_api(
        infra.nats, "message", {"sessionId": "shop", "from": CONTACT_PHONE, **body}
    )
    assert reply.ok, reply.error
    return reply.data


async def test_media_received_and_downloaded(
    infra: Infrastructure, paired: Device
) -> None:
    store = await infra.js.object_store(subjects.MEDIA_BUCKET)
    await store.put("sbx/test1", PNG)
    media = {
        "mimetype": "image/png",
        "size": len(PNG),
        "sha256": "a" * 64,
        "filename": "p.png",
        "object": "sbx/test1",
    }

    sent = await write(infra, type="image", media=media, caption="look", pushName="Ann")
    received = await paired.listener.wait_for(MessageReceived)
    assert received.content.media is not None
    data = await paired.driver.download_media(received.content.media.download)

    assert sent["type"] == "image"
    assert received.wa_message_id == sent["waMessageId"]
    assert received.content.type == "image"
    assert received.content.caption == "look"
    assert received.text == "look"
    assert received.push_name == "Ann"
    assert received.content.media.mimetype == "image/png"
    assert received.content.media.size == len(PNG)
    assert received.content.media.filename == "p.png"
    assert received.content.media.download == {"object": "sbx/test1"}
    assert data == PNG


async def test_download_of_missing_object_not_found(paired: Device) -> None:
    with pytest.raises(DriverRequestError) as missing:
        await paired.driver.download_media({"object": "sbx/never-stored"})
    with pytest.raises(DriverRequestError) as no_object:
        await paired.driver.download_media({})

    assert missing.value.status == 404
    assert no_object.value.status == 404


async def test_download_offline_not_connected(make_device: DeviceFactory) -> None:
    device = make_device("idle")

    with pytest.raises(DriverRequestError) as raised:
        await device.driver.download_media({"object": "sbx/x"})

    assert raised.value.status == 409
    assert raised.value.code == "SESSION_NOT_CONNECTED"


async def test_voice_note_received(infra: Infrastructure, paired: Device) -> None:
    media = {"mimetype": "audio/ogg", "size": 3, "ptt": True, "object": "sbx/v"}

    await write(infra, type="audio", media=media)
    received = await paired.listener.wait_for(MessageReceived)

    assert received.content.type == "audio"
    assert received.content.media is not None
    assert received.content.media.ptt is True


async def test_location_received(infra: Infrastructure, paired: Device) -> None:
    location = {"latitude": -33.86, "longitude": 151.2, "name": "Quay"}

    await write(infra, type="location", location=location)
    received = await paired.listener.wait_for(MessageReceived)

    assert received.content.type == "location"
    assert received.content.location is not None
    assert received.content.location.latitude == -33.86
    assert received.content.location.longitude == 151.2
    assert received.content.location.name == "Quay"
    assert received.content.location.address is None


async def test_contacts_received_with_vcard(
    infra: Infrastructure, paired: Device
) -> None:
    await write(
        infra, type="contact", contacts=[{"name": "Ann", "phone": "+1 555 010 0009"}]
    )
    received = await paired.listener.wait_for(MessageReceived)

    assert received.content.type == "contact"
    [card] = received.content.contacts
    assert card.name == "Ann"
    assert card.phone == "15550100009"
    assert card.vcard == build_vcard("Ann", "15550100009")


async def test_poll_and_mentions_received(infra: Infrastructure, paired: Device) -> None:
    poll = {"question": "Pick", "options": ["a", "b", "c"], "selectable": 2}

    await write(infra, type="poll", poll=poll)
    await write(infra, text="hey @you", mentions=[SESSION_JID], replyTo="3EB0AA")
    first = await paired.listener.wait_for(MessageReceived)
    second = await paired.listener.wait_for(MessageReceived, 2)

    assert first.content.type == "poll"
    assert first.content.poll is not None
    assert first.content.poll.options == ["a", "b", "c"]
    assert first.content.poll.selectable == 2
    assert second.content.type == "text"
    assert second.mentions == [SESSION_JID]
    assert second.reply_to == "3EB0AA"
    assert second.from_me is False


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "image"}, "media is required"),
        ({"type": "text"}, "text must not be empty"),
        ({"type": "reaction", "text": "x"}, "cannot be sent here"),
        ({"type": "location", "location": {"latitude": 91, "longitude": 0}}, "latitude"),
        ({"type": "contact", "contacts": []}, "contacts"),
        ({"type": "contact", "contacts": [{"name": "A", "phone": "x"}]}, "phone"),
        ({"type": "poll", "poll": {"question": "q", "options": ["a"]}}, "options"),
        (
            {"type": "poll", "poll": {"question": "q", "options": ["a", "a"]}},
            "repeat",
        ),
        ({"type": "document", "media": {"mimetype": "nope"}}, "mimetype"),
        ({"type": "image", "media": {"mimetype": "image/png", "ptt": True}}, "ptt"),
        (
            {"type": "sticker", "media": {"mimetype": "image/webp"}, "caption": "c"},
            "caption",
        ),
    ],
)
async def test_invalid_phone_content_rejected(
    infra: Infrastructure, paired: Device, body: dict[str, Any], expected: str
) -> None:
    reply = await ask_api(
        infra.nats, "message", {"sessionId": "shop", "from": CONTACT_PHONE, **body}
    )

    message = assert_reply_error(reply, 400, "VALIDATION_ERROR")
    assert expected in message


async def test_reaction_to_session_message(infra: Infrastructure, paired: Device) -> None:
    sent = await paired.driver.send_text("msg_1", CONTACT_JID, TextContent(text="hi"))

    reply = await ask_api(
        infra.nats,
        "reaction",
        {"sessionId": "shop", "from": CONTACT_PHONE, "messageId": "msg_1", "emoji": "👍"},
    )
    event = await paired.listener.wait_for(ReactionReceived)
    inbox = await ask_api(infra.nats, "inbox", {"phone": CONTACT_PHONE})

    assert reply.ok, reply.error
    assert reply.data["targetId"] == sent.wa_message_id
    assert reply.data["queued"] is False
    assert event.target_wa_message_id == sent.wa_message_id
    assert event.chat == CONTACT_JID
    assert event.sender == CONTACT_JID
    assert event.emoji == "👍"
    assert event.from_me is False
    [item] = inbox.data["messages"]
    assert [(r["from"], r["emoji"]) for r in item["reactions"]] == [(CONTACT_JID, "👍")]


async def test_reaction_to_own_message(infra: Infrastructure, paired: Device) -> None:
    written = await write(infra, text="order 12")

    reply = await ask_api(
        infra.nats,
        "reaction",
        {
            "sessionId": "shop",
            "from": CONTACT_PHONE,
            "messageId": written["waMessageId"],
            "emoji": "",
        },
    )
    event = await paired.listener.wait_for(ReactionReceived)

    assert reply.ok, reply.error
    assert event.target_wa_message_id == written["waMessageId"]
    assert event.emoji == ""


async def test_reaction_to_unknown_message_not_found(
    infra: Infrastructure, paired: Device
) -> None:
    other = await ask_api(
        infra.nats,
        "message",
        {"sessionId": "shop", "from": "15550100005", "text": "not yours"},
    )

    unknown = await ask_api(
        infra.nats,
        "reaction",
        {"sessionId": "shop", "from": CONTACT_PHONE, "messageId": "3A99", "emoji": "x"},
    )
    foreign = await ask_api(
        infra.nats,
        "reaction",
        {
            "sessionId": "shop",
            "from": CONTACT_PHONE,
            "messageId": other.data["waMessageId"],
            "emoji": "x",
        },
    )

    unknown_message = assert_reply_error(unknown, 404, "NOT_FOUND")
    assert_reply_error(foreign, 404, "NOT_FOUND")
    assert unknown_message == (
        f"message '3A99' not found in the chats of phone '{CONTACT_PHONE}' "
        "with session 'shop'"
    )


async def test_phone_revokes_own_message(infra: Infrastructure, paired: Device) -> None:
    written = await write(infra, text="oops")

    by_other = await ask_api(
        infra.nats,
        "revoke",
        {"sessionId": "shop", "from": "15550100005", "messageId": written["waMessageId"]},
    )
    reply = await ask_api(
        infra.nats,
        "revoke",
        {"sessionId": "shop", "from": CONTACT_PHONE, "messageId": written["waMessageId"]},
    )
    event = await paired.listener.wait_for(MessageRevoked)

    by_other_message = assert_reply_error(by_other, 404, "NOT_FOUND")
    assert by_other_message == (
        f"message '{written['waMessageId']}' not found among the messages "
        "'15550100005@s.whatsapp.net' sent to session 'shop'"
    )
    assert reply.ok, reply.error
    assert event.wa_message_id == written["waMessageId"]
    assert event.chat == CONTACT_JID
    assert event.sender == CONTACT_JID
    assert event.from_me is False


async def test_presence_states_reach_session(
    infra: Infrastructure, paired: Device
) -> None:
    for count, state in enumerate(("typing", "paused", "unavailable"), start=1):
        reply = await ask_api(
            infra.nats,
            "presence",
            {"sessionId": "shop", "from": CONTACT_PHONE, "state": state},
        )
        assert reply.ok, reply.error
        assert reply.data["delivered"] is True
        await paired.listener.wait_for(PresenceChanged, count)

    events = paired.listener.of_type(PresenceChanged)
    assert [event.state for event in events] == ["typing", "paused", "unavailable"]
    assert events[0].chat == CONTACT_JID
    assert events[0].sender == CONTACT_JID
    assert events[0].last_seen is None
    assert events[2].last_seen is not None


async def test_presence_in_group(infra: Infrastructure, paired: Device) -> None:
    group = await create_group(infra.nats, "shop", [CONTACT_PHONE])

    reply = await ask_api(
        infra.nats,
        "presence",
        {
            "sessionId": "shop",
            "from": CONTACT_PHONE,
            "state": "recording",
            "groupId": group,
        },
    )
    outsider = await ask_api(
        infra.nats,
        "presence",
        {"sessionId": "shop", "from": "15550100007", "state": "typing", "groupId": group},
    )
    event = await paired.listener.wait_for(PresenceChanged)

    assert reply.ok, reply.error
    assert event.chat == group
    assert event.state == "recording"
    assert_reply_error(outsider, 404, "GROUP_NOT_FOUND")


async def test_call_reaches_session(infra: Infrastructure, paired: Device) -> None:
    reply = await ask_api(
        infra.nats, "call", {"sessionId": "shop", "from": CONTACT_PHONE, "video": True}
    )
    event = await paired.listener.wait_for(CallReceived)

    assert reply.ok, reply.error
    assert reply.data["delivered"] is True
    assert event.call_id == reply.data["callId"]
    assert event.caller == CONTACT_JID
    assert event.video is True


async def test_call_and_presence_not_kept_offline(
    infra: Infrastructure, paired: Device
) -> None:
    await paired.driver.disconnect()

    call = await ask_api(infra.nats, "call", {"sessionId": "shop", "from": CONTACT_PHONE})
    presence = await ask_api(
        infra.nats,
        "presence",
        {"sessionId": "shop", "from": CONTACT_PHONE, "state": "typing"},
    )
    written = await write(infra, text="while away")
    await paired.driver.connect(None)
    await paired.listener.wait_for(Connected, 2)
    received = await paired.listener.wait_for(MessageReceived)

    assert call.data["delivered"] is False
    assert presence.data["delivered"] is False
    assert written["queued"] is True
    assert received.text == "while away"
    assert paired.listener.of_type(CallReceived) == []
    assert paired.listener.of_type(PresenceChanged) == []


async def test_reaction_and_revoke_kept_offline(
    infra: Infrastructure, paired: Device
) -> None:
    written = await write(infra, text="first")
    await paired.listener.wait_for(MessageReceived)
    await paired.driver.disconnect()
    target = {
        "sessionId": "shop",
        "from": CONTACT_PHONE,
        "messageId": written["waMessageId"],
    }

    reaction = await ask_api(infra.nats, "reaction", {**target, "emoji": "🔥"})
    revoke = await ask_api(infra.nats, "revoke", target)
    await paired.driver.connect(None)
    await paired.listener.wait_for(MessageRevoked)

    assert reaction.data["queued"] is True
    assert revoke.data["queued"] is True
    assert len(paired.listener.of_type(ReactionReceived)) == 1


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        (
            "reaction",
            {"from": CONTACT_PHONE, "messageId": "m", "emoji": "x" * 33},
            "emoji",
        ),
        ("reaction", {"from": "nope", "messageId": "m", "emoji": "x"}, "from"),
        ("revoke", {"from": CONTACT_PHONE, "messageId": ""}, "messageId"),
        ("presence", {"from": CONTACT_PHONE, "state": "dancing"}, "state"),
        (
            "presence",
            {"from": CONTACT_PHONE, "state": "typing", "groupId": "1@x"},
            "groupId",
        ),
        ("call", {"from": "12"}, "from"),
    ],
)
async def test_invalid_phone_action_rejected(
    infra: Infrastructure,
    paired: Device,
    operation: str,
    body: dict[str, Any],
    expected: str,
) -> None:
    reply = await ask_api(infra.nats, operation, {"sessionId": "shop", **body})

    message = assert_reply_error(reply, 400, "VALIDATION_ERROR")
    assert expected in message


@pytest.mark.parametrize("operation", ["reaction", "revoke", "presence", "call"])
async def test_phone_action_on_unlinked_session(
    infra: Infrastructure, paired: Device, operation: str
) -> None:
    body = {
        "sessionId": "stranger",
        "from": CONTACT_PHONE,
        "messageId": "3A00",
        "emoji": "x",
        "state": "typing",
    }

    reply = await ask_api(infra.nats, operation, body)

    assert_reply_error(reply, 409, "SANDBOX_CONFLICT")

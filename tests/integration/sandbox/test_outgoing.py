"""Every content a session sends, as the sandbox phones' inboxes show it."""

from __future__ import annotations

import hashlib

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
from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
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
    MessageRevoked,
    NotConnectedError,
    OutgoingMessage,
    ReactionReceived,
    SendError,
    SendResult,
)

SESSION_PHONE = "15550100001"
SESSION_JID = f"{SESSION_PHONE}@s.whatsapp.net"
CONTACT_PHONE = "15550100002"
CONTACT_JID = f"{CONTACT_PHONE}@s.whatsapp.net"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
async def paired(infra: Infrastructure, make_device: DeviceFactory) -> Device:
    device = make_device("sender")
    await pair_by_qr(infra.nats, device, SESSION_PHONE, "Shop")
    return device


def stored_png() -> StoredMedia:
    digest = hashlib.sha256(PNG).hexdigest()
    return StoredMedia(
        name="out/msg_media", size=len(PNG), sha256=digest, mimetype="image/png"
    )


async def send(
    device: Device, message_id: str, content: object, **extra: object
) -> SendResult:
    message = OutgoingMessage(message_id, CONTACT_JID, content, **extra)  # type: ignore[arg-type]
    return await device.driver.send(message)


async def test_text_with_preview_and_mentions(
    infra: Infrastructure, paired: Device
) -> None:
    content = TextContent(
        text="see https://example.com",
        reply_to="3A0011",
        mentions=[CONTACT_JID],
        link_preview=True,
    )
    preview = LinkPreview(url="https://example.com", title="Example", description="d")

    result = await send(paired, "msg_text", content, preview=preview)
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["id"] == result.wa_message_id
    assert item["type"] == "text"
    assert item["text"] == "see https://example.com"
    assert item["replyTo"] == "3A0011"
    assert item["mentions"] == [CONTACT_JID]
    assert item["forwarded"] is False
    assert item["linkPreview"] == {
        "url": "https://example.com",
        "title": "Example",
        "description": "d",
    }
    assert item["media"] is None
    assert item["reactions"] == []
    assert item["edited"] is False
    assert item["revoked"] is False


async def test_media_metadata_in_inbox(infra: Infrastructure, paired: Device) -> None:
    content = MediaContent(
        media_type="image", media=stored_png(), caption="the box", forwarded=True
    )
    media = MediaBytes(data=PNG, mimetype="image/png", filename="box.png")

    await send(paired, "msg_media", content, media=media)
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["type"] == "image"
    assert item["caption"] == "the box"
    assert item["forwarded"] is True
    assert item["text"] is None
    assert item["media"] == {
        "mimetype": "image/png",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "filename": "box.png",
        "ptt": False,
    }


async def test_voice_note_keeps_ptt(infra: Infrastructure, paired: Device) -> None:
    content = MediaContent(
        media_type="audio",
        media=StoredMedia(name="o", size=3, sha256="0" * 64, mimetype="audio/ogg"),
        ptt=True,
    )
    media = MediaBytes(data=b"Ogg", mimetype="audio/ogg; codecs=opus")

    await send(paired, "msg_ptt", content, media=media)
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["type"] == "audio"
    assert item["media"]["ptt"] is True
    assert item["media"]["mimetype"] == "audio/ogg; codecs=opus"
    assert item["media"]["sha256"] == hashlib.sha256(b"Ogg").hexdigest()


async def test_media_without_bytes_fails_permanently(paired: Device) -> None:
    content = MediaContent(media_type="image", media=stored_png())

    with pytest.raises(SendError) as raised:
        await send(paired, "msg_nobytes", content)

    assert raised.value.permanent is True


async def test_location_in_inbox(infra: Infrastructure, paired: Device) -> None:
    content = LocationContent(
        latitude=52.52, longitude=13.405, name="Shop", address="Main St 1"
    )

    await send(paired, "msg_loc", content)
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["type"] == "location"
    assert item["location"] == {
        "latitude": 52.52,
        "longitude": 13.405,
        "name": "Shop",
        "address": "Main St 1",
    }


async def test_contacts_carry_vcards(infra: Infrastructure, paired: Device) -> None:
    content = ContactsContent(
        contacts=[
            ContactCard(name="Ann", phone="+1 555 010 0009"),
            ContactCard(name="Bo; Jr", phone="15550100008"),
        ]
    )

    await send(paired, "msg_cards", content)
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["type"] == "contact"
    assert item["contacts"] == [
        {
            "name": "Ann",
            "phone": "15550100009",
            "vcard": build_vcard("Ann", "+1 555 010 0009"),
        },
        {
            "name": "Bo; Jr",
            "phone": "15550100008",
            "vcard": build_vcard("Bo; Jr", "15550100008"),
        },
    ]


async def test_poll_in_inbox(infra: Infrastructure, paired: Device) -> None:
    single = PollContent(question="Lunch?", options=["Pizza", "Soup"])
    multiple = PollContent(
        question="Days?", options=["Mon", "Tue", "Wed"], multiple_answers=True
    )

    await send(paired, "msg_poll1", single)
    await send(paired, "msg_poll2", multiple)
    first, second = await inbox_of(infra.nats, CONTACT_PHONE)

    assert first["type"] == "poll"
    assert first["poll"] == {
        "question": "Lunch?",
        "options": ["Pizza", "Soup"],
        "selectable": 1,
    }
    assert second["poll"]["selectable"] == 3


async def test_reaction_entry_and_target(infra: Infrastructure, paired: Device) -> None:
    sent = await send(paired, "msg_t", TextContent(text="hi"))
    target = MessageTarget(
        wa_message_id=sent.wa_message_id, chat=CONTACT_JID, from_me=True
    )

    reacted = await send(paired, "msg_r1", ReactionContent(target=target, emoji="👍"))
    after_first = await inbox_of(infra.nats, CONTACT_PHONE)
    await send(paired, "msg_r2", ReactionContent(target=target, emoji=""))
    after_removal = await inbox_of(infra.nats, CONTACT_PHONE)

    message, reaction = after_first
    assert reaction["type"] == "reaction"
    assert reaction["id"] == reacted.wa_message_id
    assert reaction["messageId"] == "msg_r1"
    assert reaction["reaction"] == {"targetId": sent.wa_message_id, "emoji": "👍"}
    assert [(r["from"], r["emoji"]) for r in message["reactions"]] == [
        (SESSION_JID, "👍")
    ]
    assert after_removal[0]["reactions"] == []
    assert after_removal[2]["reaction"] == {"targetId": sent.wa_message_id, "emoji": ""}


async def test_edit_updates_text(infra: Infrastructure, paired: Device) -> None:
    sent = await send(paired, "msg_e", TextContent(text="helo"))
    target = MessageTarget(
        wa_message_id=sent.wa_message_id, chat=CONTACT_JID, from_me=True
    )

    await send(paired, "msg_e2", EditContent(target=target, text="hello"))
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["text"] == "hello"
    assert item["edited"] is True
    assert item["editedAt"] is not None


async def test_edit_of_caption(infra: Infrastructure, paired: Device) -> None:
    content = MediaContent(media_type="image", media=stored_png(), caption="old")
    sent = await send(
        paired, "msg_c", content, media=MediaBytes(data=PNG, mimetype="image/png")
    )
    target = MessageTarget(
        wa_message_id=sent.wa_message_id, chat=CONTACT_JID, from_me=True
    )

    await send(paired, "msg_c2", EditContent(target=target, text="new"))
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["caption"] == "new"
    assert item["edited"] is True


@pytest.mark.parametrize(
    ("target_id", "from_me"), [("3EB0000000000000000000FF", True), ("3A00", False)]
)
async def test_edit_of_unknown_message_fails(
    paired: Device, target_id: str, from_me: bool
) -> None:
    target = MessageTarget(wa_message_id=target_id, chat=CONTACT_JID, from_me=from_me)

    with pytest.raises(SendError) as raised:
        await send(paired, "msg_bad_edit", EditContent(target=target, text="x"))

    assert raised.value.permanent is True


async def test_revoke_hides_content(infra: Infrastructure, paired: Device) -> None:
    sent = await send(paired, "msg_v", TextContent(text="secret", mentions=[CONTACT_JID]))
    target = MessageTarget(
        wa_message_id=sent.wa_message_id, chat=CONTACT_JID, from_me=True
    )

    await send(paired, "msg_v2", RevokeContent(target=target))
    [item] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert item["revoked"] is True
    assert item["revokedAt"] is not None
    assert item["text"] is None
    assert item["mentions"] == []
    assert item["type"] == "text"


async def test_edit_after_revoke_conflicts(paired: Device) -> None:
    sent = await send(paired, "msg_x", TextContent(text="gone"))
    target = MessageTarget(
        wa_message_id=sent.wa_message_id, chat=CONTACT_JID, from_me=True
    )
    await send(paired, "msg_x2", RevokeContent(target=target))

    with pytest.raises(SendError) as raised:
        await send(paired, "msg_x3", EditContent(target=target, text="back"))

    assert "SANDBOX_CONFLICT" in raised.value.reason


async def test_send_any_type_offline_raises(make_device: DeviceFactory) -> None:
    device = make_device("offline")
    content = LocationContent(latitude=1.0, longitude=2.0)

    with pytest.raises(NotConnectedError):
        await device.driver.send(OutgoingMessage("msg_off", CONTACT_JID, content))


async def test_other_session_gets_all_types(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    alice = make_device("alice")
    bob = make_device("bob")
    await pair_by_qr(infra.nats, alice, SESSION_PHONE, "Alice")
    await pair_by_qr(infra.nats, bob, CONTACT_PHONE, "Bob")
    media = MediaBytes(data=PNG, mimetype="image/png", filename="a.png")

    image = await send(
        alice,
        "m1",
        MediaContent(media_type="image", media=stored_png(), caption="pic"),
        media=media,
    )
    target = MessageTarget(
        wa_message_id=image.wa_message_id, chat=CONTACT_JID, from_me=True
    )
    await send(alice, "m2", ReactionContent(target=target, emoji="❤️"))
    await send(alice, "m3", RevokeContent(target=target))
    received = await bob.listener.wait_for(MessageReceived)
    reaction = await bob.listener.wait_for(ReactionReceived)
    revoked = await bob.listener.wait_for(MessageRevoked)

    assert received.content.type == "image"
    assert received.content.caption == "pic"
    assert received.content.media is not None
    assert received.content.media.filename == "a.png"
    assert received.content.media.download == {}
    assert received.chat == SESSION_JID
    assert reaction.target_wa_message_id == image.wa_message_id
    assert reaction.emoji == "❤️"
    assert reaction.sender == SESSION_JID
    assert revoked.wa_message_id == image.wa_message_id
    assert revoked.chat == SESSION_JID


async def test_group_reaction_reaches_every_member(
    infra: Infrastructure, paired: Device
) -> None:
    group = await create_group(infra.nats, "sender", [CONTACT_PHONE, "15550100003"])
    sent = await paired.driver.send(
        OutgoingMessage("msg_g", group, TextContent(text="vote"))
    )
    target = MessageTarget(wa_message_id=sent.wa_message_id, chat=group, from_me=True)

    await paired.driver.send(
        OutgoingMessage("msg_g2", group, ReactionContent(target=target, emoji="🎉"))
    )

    for phone in (CONTACT_PHONE, "15550100003"):
        message, reaction = await inbox_of(infra.nats, phone)
        assert message["reactions"][0]["emoji"] == "🎉"
        assert reaction["to"] == group
        assert reaction["reaction"]["targetId"] == sent.wa_message_id


async def test_reaction_to_phone_message(infra: Infrastructure, paired: Device) -> None:
    written = await ask_api(
        infra.nats,
        "message",
        {"sessionId": "sender", "from": CONTACT_PHONE, "text": "order 7"},
    )
    wa_id = written.data["waMessageId"]
    target = MessageTarget(
        wa_message_id=wa_id, chat=CONTACT_JID, from_me=False, sender=CONTACT_JID
    )

    await send(paired, "msg_rp", ReactionContent(target=target, emoji="✅"))
    [entry] = await inbox_of(infra.nats, CONTACT_PHONE)

    assert entry["type"] == "reaction"
    assert entry["reaction"] == {"targetId": wa_id, "emoji": "✅"}
    assert entry["to"] == CONTACT_JID


async def test_revoke_of_phone_message_rejected(
    infra: Infrastructure, paired: Device
) -> None:
    target = MessageTarget(wa_message_id="3A01", chat=CONTACT_JID, from_me=False)

    with pytest.raises(SendError) as raised:
        await send(paired, "msg_rv", RevokeContent(target=target))

    assert raised.value.permanent is True
    assert "VALIDATION_ERROR" in raised.value.reason


async def test_revoke_of_unknown_message_not_found(paired: Device) -> None:
    target = MessageTarget(wa_message_id="3A77", chat=CONTACT_JID, from_me=True)

    with pytest.raises(SendError) as raised:
        await send(paired, "msg_ru", RevokeContent(target=target))

    assert "NOT_FOUND" in raised.value.reason
    assert (
        f"message '3A77' not found in chat '{CONTACT_JID}' of session 'sender'"
        in raised.value.reason
    )

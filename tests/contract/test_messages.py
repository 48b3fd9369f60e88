"""Sending every content type and receiving a text, for every driver."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pytest

from tests.contract.harness import (
    CONTACT_JID,
    CONTACT_PHONE,
    OTHER_JID,
    SESSION_JID,
    Delivery,
    DriverHarness,
    pair,
)
from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
    MessageContent,
    MessageTarget,
    PollContent,
    ReactionContent,
    RevokeContent,
    StoredMedia,
    TextContent,
)
from wagate_worker.drivers.base import (
    MediaBytes,
    MessageReceived,
    NotConnectedError,
    OutgoingMessage,
    ReactionReceived,
    ReceiptReceived,
    SendError,
    SendResult,
)

pytestmark = pytest.mark.integration

ReceiptStatus = Literal["delivered", "read"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
OGG = b"OggS" + bytes(32)


def stored(data: bytes, mimetype: str) -> StoredMedia:
    return StoredMedia(
        name="out/contract",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        mimetype=mimetype,
    )


@dataclass(frozen=True)
class SendCase:
    """One content to send and the checks on what the network received.

    ``build`` gets the id of a text sent first, for contents that target one.
    """

    build: Callable[[str], MessageContent]
    check: Callable[[Delivery, str], None]
    media: MediaBytes | None = None


def check_text(delivery: Delivery, target: str) -> None:
    assert delivery.type == "text"
    assert delivery.text == "@15550100003 see the order"
    assert delivery.reply_to == "3A0000000000000000AA"
    assert delivery.mentions == [OTHER_JID]


def check_image(delivery: Delivery, target: str) -> None:
    assert delivery.type == "image"
    assert delivery.caption == "the box"
    assert delivery.mimetype == "image/png"
    assert delivery.sha256 == hashlib.sha256(PNG).hexdigest()


def check_voice_note(delivery: Delivery, target: str) -> None:
    assert delivery.type == "audio"
    assert delivery.ptt is True
    assert delivery.mimetype == "audio/ogg; codecs=opus"
    assert delivery.sha256 == hashlib.sha256(OGG).hexdigest()


def check_location(delivery: Delivery, target: str) -> None:
    assert delivery.type == "location"
    assert (delivery.latitude, delivery.longitude) == (52.52, 13.405)
    assert delivery.place_name == "Shop"
    assert delivery.address == "Main St 1"


def check_contacts(delivery: Delivery, target: str) -> None:
    assert delivery.type == "contact"
    assert [(card.name, card.phone) for card in delivery.contacts] == [
        ("Ann", "15550100009"),
        ("Bo", "15550100008"),
    ]


def check_poll(delivery: Delivery, target: str) -> None:
    assert delivery.type == "poll"
    assert delivery.question == "Lunch?"
    assert delivery.options == ["Pizza", "Soup"]
    assert delivery.selectable == 1


def check_reaction(delivery: Delivery, target: str) -> None:
    assert delivery.type == "reaction"
    assert delivery.target == target
    assert delivery.emoji == "👍"


def check_edit(delivery: Delivery, target: str) -> None:
    assert delivery.type == "edit"
    assert delivery.target == target
    assert delivery.text == "hello again"


def check_revoke(delivery: Delivery, target: str) -> None:
    assert delivery.type == "revoke"
    assert delivery.target == target


def own(target: str) -> MessageTarget:
    return MessageTarget(wa_message_id=target, chat=CONTACT_JID, from_me=True)


SEND_CASES: dict[str, SendCase] = {
    "text": SendCase(
        lambda _: TextContent(
            text="@15550100003 see the order",
            reply_to="3A0000000000000000AA",
            mentions=[OTHER_JID],
        ),
        check_text,
    ),
    "image": SendCase(
        lambda _: MediaContent(
            media_type="image", media=stored(PNG, "image/png"), caption="the box"
        ),
        check_image,
        MediaBytes(data=PNG, mimetype="image/png"),
    ),
    "voice_note": SendCase(
        lambda _: MediaContent(
            media_type="audio", media=stored(OGG, "audio/ogg"), ptt=True
        ),
        check_voice_note,
        MediaBytes(data=OGG, mimetype="audio/ogg; codecs=opus"),
    ),
    "location": SendCase(
        lambda _: LocationContent(
            latitude=52.52, longitude=13.405, name="Shop", address="Main St 1"
        ),
        check_location,
    ),
    "contacts": SendCase(
        lambda _: ContactsContent(
            contacts=[
                ContactCard(name="Ann", phone="+1 555 010 0009"),
                ContactCard(name="Bo", phone="15550100008"),
            ]
        ),
        check_contacts,
    ),
    "poll": SendCase(
        lambda _: PollContent(question="Lunch?", options=["Pizza", "Soup"]),
        check_poll,
    ),
    "reaction": SendCase(
        lambda target: ReactionContent(target=own(target), emoji="👍"), check_reaction
    ),
    "edit": SendCase(
        lambda target: EditContent(target=own(target), text="hello again"), check_edit
    ),
    "revoke": SendCase(lambda target: RevokeContent(target=own(target)), check_revoke),
}


@pytest.mark.parametrize("case", sorted(SEND_CASES))
async def test_send_reaches_network(harness: DriverHarness, case: str) -> None:
    await pair(harness)
    first = await harness.driver.send(
        OutgoingMessage("msg_first", CONTACT_JID, TextContent(text="hello"))
    )
    send_case = SEND_CASES[case]
    message = OutgoingMessage(
        "msg_case", CONTACT_JID, send_case.build(first.wa_message_id), send_case.media
    )

    result = await harness.driver.send(message)
    delivery = await harness.delivered(message, result)

    assert isinstance(result, SendResult)
    assert result.wa_message_id
    assert result.wa_message_id != first.wa_message_id
    assert result.timestamp.tzinfo is not None
    assert delivery.to == CONTACT_JID
    send_case.check(delivery, first.wa_message_id)


@pytest.mark.parametrize("case", sorted(SEND_CASES))
async def test_send_offline_not_connected(harness: DriverHarness, case: str) -> None:
    send_case = SEND_CASES[case]
    message = OutgoingMessage(
        "msg_offline", CONTACT_JID, send_case.build("3EB0OFFLINE"), send_case.media
    )

    with pytest.raises(NotConnectedError):
        await harness.driver.send(message)


async def test_send_after_disconnect_not_connected(harness: DriverHarness) -> None:
    await pair(harness)
    await harness.driver.disconnect()

    with pytest.raises(NotConnectedError):
        await harness.driver.send(
            OutgoingMessage("msg_late", CONTACT_JID, TextContent(text="hi"))
        )


async def test_incoming_text_received(harness: DriverHarness) -> None:
    await pair(harness)

    incoming = await harness.deliver_text(CONTACT_PHONE, "is it in stock?", "Ann")
    received = await harness.listener.wait_for(MessageReceived)

    assert received.wa_message_id == incoming.wa_message_id
    assert received.chat == CONTACT_JID
    assert received.sender == CONTACT_JID
    assert received.content.type == "text"
    assert received.text == "is it in stock?"
    assert received.timestamp == incoming.timestamp
    assert received.push_name == "Ann"
    assert received.is_group is False
    assert received.from_me is False
    assert received.sender != SESSION_JID


@pytest.mark.parametrize("status", ["delivered", "read"])
async def test_receipt_reported(harness: DriverHarness, status: ReceiptStatus) -> None:
    await pair(harness)
    sent = await harness.driver.send(
        OutgoingMessage("msg_receipt", CONTACT_JID, TextContent(text="shipped"))
    )

    await harness.report_receipt(CONTACT_PHONE, sent, status)
    receipt = await harness.listener.wait_for(ReceiptReceived)

    assert receipt.wa_message_ids == [sent.wa_message_id]
    assert receipt.status == status
    assert receipt.chat == CONTACT_JID
    assert receipt.sender == CONTACT_JID
    assert receipt.timestamp.tzinfo is not None


async def test_contact_reaction_reported(harness: DriverHarness) -> None:
    await pair(harness)
    sent = await harness.driver.send(
        OutgoingMessage("msg_liked", CONTACT_JID, TextContent(text="shipped"))
    )

    reaction_id = await harness.react(CONTACT_PHONE, sent.wa_message_id, "👍")
    reaction = await harness.listener.wait_for(ReactionReceived)

    assert reaction.wa_message_id == reaction_id
    assert reaction.target_wa_message_id == sent.wa_message_id
    assert reaction.chat == CONTACT_JID
    assert reaction.sender == CONTACT_JID
    assert reaction.emoji == "👍"
    assert reaction.from_me is False
    assert harness.listener.of_type(MessageReceived) == []


async def test_received_image_downloaded(harness: DriverHarness) -> None:
    await pair(harness)

    incoming = await harness.deliver_image(CONTACT_PHONE, PNG, "the receipt")
    received = await harness.listener.wait_for(MessageReceived)
    media = received.content.media
    assert media is not None
    data = await harness.driver.download_media(media.download)

    assert received.wa_message_id == incoming.wa_message_id
    assert received.content.type == "image"
    assert received.text == "the receipt"
    assert media.mimetype == "image/png"
    assert media.size == len(PNG)
    assert data == PNG


async def test_send_to_invalid_recipient_permanent(harness: DriverHarness) -> None:
    await pair(harness)

    with pytest.raises(SendError) as raised:
        await harness.driver.send(
            OutgoingMessage("msg_nowhere", "not a number", TextContent(text="hi"))
        )

    assert raised.value.permanent is True

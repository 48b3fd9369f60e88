"""The sandbox driver's conversions between contents, requests, pushes and events."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    MediaContent,
    MessageTarget,
    PollContent,
    RevokeContent,
    TextContent,
    UrlMedia,
)
from wagate_common.schemas.sandbox import PushMessage
from wagate_common.vcard import build_vcard
from wagate_worker.drivers.base import LinkPreview, MediaBytes, OutgoingMessage, SendError
from wagate_worker.drivers.sandbox.incoming import message_event, received_content
from wagate_worker.drivers.sandbox.outgoing import build_send

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ME = "15550100001@s.whatsapp.net"


def test_text_preview_only_when_asked() -> None:
    preview = LinkPreview(url="https://example.com", title="t")
    asked = OutgoingMessage(
        "m1",
        "1@s.whatsapp.net",
        TextContent(text="x", link_preview=True),
        preview=preview,
    )
    not_asked = OutgoingMessage(
        "m2", "1@s.whatsapp.net", TextContent(text="x"), preview=preview
    )

    with_preview = build_send("s", "t", asked)
    without = build_send("s", "t", not_asked)

    assert with_preview.link_preview is not None
    assert with_preview.link_preview.url == "https://example.com"
    assert without.link_preview is None


def test_media_metadata_from_bytes() -> None:
    content = MediaContent(
        media_type="document",
        media=UrlMedia(url="https://example.com/f", filename="f.pdf"),
    )
    message = OutgoingMessage(
        "m",
        "1@s.whatsapp.net",
        content,
        media=MediaBytes(data=b"%PDF", mimetype="application/pdf"),
    )

    request = build_send("s", "t", message)

    assert request.type == "document"
    assert request.media is not None
    assert request.media.size == 4
    assert request.media.sha256 == hashlib.sha256(b"%PDF").hexdigest()
    assert request.media.filename == "f.pdf"
    assert request.media.object is None


def test_media_without_bytes_is_permanent() -> None:
    content = MediaContent(
        media_type="image", media=UrlMedia(url="https://example.com/i")
    )

    with pytest.raises(SendError) as raised:
        build_send("s", "t", OutgoingMessage("m", "1@s.whatsapp.net", content))

    assert raised.value.permanent is True


def test_contacts_poll_revoke_requests() -> None:
    cards = ContactsContent(contacts=[ContactCard(name="Ann", phone="15550100009")])
    poll = PollContent(question="q", options=["a", "b", "c"], multiple_answers=True)
    target = MessageTarget(wa_message_id="3EB0", chat="1@s.whatsapp.net", from_me=True)

    contact_request = build_send("s", "t", OutgoingMessage("m1", "x", cards))
    poll_request = build_send("s", "t", OutgoingMessage("m2", "x", poll))
    revoke_request = build_send(
        "s", "t", OutgoingMessage("m3", "x", RevokeContent(target=target))
    )

    assert contact_request.type == "contact"
    assert contact_request.contacts[0].vcard == build_vcard("Ann", "15550100009")
    assert poll_request.poll is not None
    assert poll_request.poll.selectable == 3
    assert revoke_request.type == "revoke"
    assert revoke_request.target is not None
    assert revoke_request.target.wa_message_id == "3EB0"


def test_push_without_its_content_is_unknown() -> None:
    push = PushMessage(
        wa_message_id="3A", chat=ME, sender=ME, timestamp=NOW, type="image"
    )

    assert received_content(push).type == "unknown"


def test_own_account_message_is_from_me() -> None:
    push = PushMessage(
        wa_message_id="3A", chat="1@g.us", sender=ME, timestamp=NOW, text="hi"
    )

    event = message_event(push, ME)

    assert event.from_me is True
    assert event.is_group is True
    assert event.text == "hi"

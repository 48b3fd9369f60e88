"""Content checks of the sandbox: what each message type keeps and rejects."""

from __future__ import annotations

from typing import Any

import pytest

from wagate_common.errors import ErrorCode, WagateError
from wagate_common.schemas.sandbox import WireContent
from wagate_common.vcard import build_vcard
from wagate_sandbox.content import (
    PHONE_TYPES,
    SESSION_TYPES,
    check_content,
    public_fields,
)


def content(**fields: Any) -> WireContent:
    return WireContent.model_validate(fields)


def test_text_drops_other_fields() -> None:
    checked = check_content(
        content(
            type="text", text="hi", caption="x", location={"latitude": 1, "longitude": 2}
        ),
        PHONE_TYPES,
    )

    assert checked.text == "hi"
    assert checked.caption is None
    assert checked.location is None


def test_contact_gets_vcard_and_digits() -> None:
    checked = check_content(
        content(type="contact", contacts=[{"name": " Ann ", "phone": "+1 555 010 0009"}]),
        PHONE_TYPES,
    )

    [card] = checked.contacts
    assert card.name == "Ann"
    assert card.phone == "15550100009"
    assert card.vcard == build_vcard("Ann", "15550100009")


def test_public_fields_hide_object_name() -> None:
    checked = check_content(
        content(type="image", media={"mimetype": "image/png", "object": "sbx/1"}),
        PHONE_TYPES,
    )

    fields = public_fields(checked)

    assert fields["media"] == {
        "mimetype": "image/png",
        "size": None,
        "sha256": None,
        "filename": None,
        "ptt": False,
    }
    assert "target" not in fields
    assert "type" not in fields


def test_reaction_allows_empty_emoji() -> None:
    checked = check_content(
        content(type="reaction", target={"waMessageId": "3EB0"}, emoji=""), SESSION_TYPES
    )

    assert checked.emoji == ""
    assert checked.target is not None
    assert checked.target.wa_message_id == "3EB0"


@pytest.mark.parametrize(
    ("fields", "allowed", "expected"),
    [
        (
            {"type": "edit", "target": {"waMessageId": "x"}, "text": "y"},
            PHONE_TYPES,
            "type",
        ),
        ({"type": "edit", "text": "y"}, SESSION_TYPES, "target"),
        ({"type": "edit", "target": {"waMessageId": "x"}}, SESSION_TYPES, "text"),
        (
            {"type": "reaction", "target": {"waMessageId": "x"}, "emoji": "x" * 33},
            SESSION_TYPES,
            "emoji",
        ),
        (
            {"type": "image", "media": {"mimetype": "image/png", "sha256": "AB"}},
            PHONE_TYPES,
            "sha256",
        ),
        (
            {"type": "image", "media": {"mimetype": "image/png", "size": -1}},
            PHONE_TYPES,
            "size",
        ),
        (
            {"type": "audio", "media": {"mimetype": "audio/ogg"}, "caption": "c"},
            PHONE_TYPES,
            "caption",
        ),
        (
            {"type": "location", "location": {"latitude": 0, "longitude": 181}},
            PHONE_TYPES,
            "longitude",
        ),
        (
            {"type": "poll", "poll": {"question": " ", "options": ["a", "b"]}},
            PHONE_TYPES,
            "question",
        ),
        (
            {
                "type": "poll",
                "poll": {"question": "q", "options": ["a", "b"], "selectable": 3},
            },
            PHONE_TYPES,
            "selectable",
        ),
        (
            {"type": "poll", "poll": {"question": "q", "options": ["a", " "]}},
            PHONE_TYPES,
            "option",
        ),
        ({"type": "text", "text": "x", "mentions": ["nobody"]}, PHONE_TYPES, "mention"),
        ({"type": "text", "text": "x", "replyTo": ""}, PHONE_TYPES, "replyTo"),
    ],
)
def test_invalid_content_rejected(
    fields: dict[str, Any], allowed: frozenset[str], expected: str
) -> None:
    with pytest.raises(WagateError) as raised:
        check_content(content(**fields), allowed)

    assert raised.value.status == 400
    assert raised.value.code is ErrorCode.VALIDATION_ERROR
    assert expected in raised.value.message

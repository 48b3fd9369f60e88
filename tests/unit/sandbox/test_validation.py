"""Request checks of the sandbox: what passes and what becomes a 400."""

from __future__ import annotations

import pytest

from wagate_common.errors import ErrorCode, WagateError
from wagate_common.schemas.sandbox import ApiMessage, NetSend
from wagate_sandbox.validation import (
    check_group_jid,
    check_inbox_limit,
    check_mentions,
    check_optional_id,
    check_phone,
    check_session_id,
    check_text,
    parse_request,
)


def assert_invalid(error: WagateError, fragment: str) -> None:
    assert error.status == 400
    assert error.code is ErrorCode.VALIDATION_ERROR
    assert fragment in error.message


def test_parse_request_names_missing_fields() -> None:
    with pytest.raises(WagateError) as raised:
        parse_request(NetSend, b'{"sessionId": "s1"}')

    for field in ("token", "messageId", "to"):
        assert_invalid(raised.value, field)


def test_parse_request_reports_invalid_json() -> None:
    with pytest.raises(WagateError) as raised:
        parse_request(NetSend, b"{not json")

    assert_invalid(raised.value, "not valid JSON")


def test_parse_request_accepts_from_alias() -> None:
    request = parse_request(
        ApiMessage, b'{"sessionId": "s1", "from": "1555", "text": "x"}'
    )

    assert request.sender == "1555"


@pytest.mark.parametrize("value", ["s1", "a", "shop-1_eu", "0" * 64])
def test_session_id_accepted(value: str) -> None:
    assert check_session_id(value) == value


@pytest.mark.parametrize("value", ["", "S1", "a.b", "a*", "a>", "-a", "a b", "0" * 65])
def test_session_id_rejected(value: str) -> None:
    with pytest.raises(WagateError) as raised:
        check_session_id(value)

    assert_invalid(raised.value, "sessionId")


def test_phone_normalized() -> None:
    assert check_phone("+1 (555) 010-0002", "phone") == "15550100002"


def test_phone_rejected_with_field_name() -> None:
    with pytest.raises(WagateError) as raised:
        check_phone("12", "from")

    assert_invalid(raised.value, "from")


def test_group_jid_must_be_a_group() -> None:
    assert (
        check_group_jid("120363000000000001@g.us", "groupId") == "120363000000000001@g.us"
    )
    with pytest.raises(WagateError) as raised:
        check_group_jid("15550100002@s.whatsapp.net", "groupId")

    assert_invalid(raised.value, "group JID")


@pytest.mark.parametrize("text", ["", "x" * 65537])
def test_text_length_rejected(text: str) -> None:
    with pytest.raises(WagateError) as raised:
        check_text(text)

    assert_invalid(raised.value, "text")


def test_optional_id_bounds() -> None:
    assert check_optional_id(None, "replyTo") is None
    assert check_optional_id("3A00", "replyTo") == "3A00"
    with pytest.raises(WagateError):
        check_optional_id("", "replyTo")
    with pytest.raises(WagateError):
        check_optional_id("x" * 129, "replyTo")


def test_mentions_normalized_and_checked() -> None:
    assert check_mentions(["15550100002"]) == ["15550100002@s.whatsapp.net"]
    with pytest.raises(WagateError) as raised:
        check_mentions(["someone"])

    assert_invalid(raised.value, "mention")


@pytest.mark.parametrize(
    ("limit", "valid"), [(0, False), (1, True), (500, True), (501, False)]
)
def test_inbox_limit_bounds(limit: int, valid: bool) -> None:
    if valid:
        assert check_inbox_limit(limit) == limit
        return
    with pytest.raises(WagateError):
        check_inbox_limit(limit)

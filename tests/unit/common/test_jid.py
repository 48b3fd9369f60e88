"""JID parsing and phone normalization."""

from __future__ import annotations

import pytest

from wagate_common.jid import (
    InvalidJidError,
    mask_phone,
    normalize_group_jid,
    normalize_jid,
    parse_jid,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+1 (555) 010-0001", "15550100001@s.whatsapp.net"),
        ("15550100001", "15550100001@s.whatsapp.net"),
        ("0015550100001", "15550100001@s.whatsapp.net"),
        ("+44 20 7946 0958", "442079460958@s.whatsapp.net"),
        ("1.555.010.0001", "15550100001@s.whatsapp.net"),
        ("15550100001@s.whatsapp.net", "15550100001@s.whatsapp.net"),
        ("15550100001@c.us", "15550100001@s.whatsapp.net"),
        ("15550100001:12@s.whatsapp.net", "15550100001@s.whatsapp.net"),
        ("15550100001.0:3@s.whatsapp.net", "15550100001@s.whatsapp.net"),
        ("120363000000000001@g.us", "120363000000000001@g.us"),
        ("15550100001-1600000000@g.us", "15550100001-1600000000@g.us"),
        ("123456789012345@lid", "123456789012345@lid"),
        ("123456789012345:4@lid", "123456789012345@lid"),
        ("120363000000000002@newsletter", "120363000000000002@newsletter"),
        ("  15550100001@S.WHATSAPP.NET ", "15550100001@s.whatsapp.net"),
    ],
)
def test_normalize_accepts_notation(given: str, expected: str) -> None:
    assert normalize_jid(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "hello",
        "123",
        "+1 555 010 0001 999 999",
        "1555@example.com",
        "abc@s.whatsapp.net",
        "15550100001:x@s.whatsapp.net",
        "15550100001:99999@s.whatsapp.net",
        "@s.whatsapp.net",
        "group@g.us",
    ],
)
def test_normalize_rejects_garbage(given: str) -> None:
    with pytest.raises(InvalidJidError):
        normalize_jid(given)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("120363000000000001", "120363000000000001@g.us"),
        ("120363000000000001@g.us", "120363000000000001@g.us"),
        (" 120363000000000001@G.US ", "120363000000000001@g.us"),
        ("15550100001-1600000000", "15550100001-1600000000@g.us"),
    ],
)
def test_normalize_group_accepts_bare_id(given: str, expected: str) -> None:
    assert normalize_group_jid(given) == expected


@pytest.mark.parametrize(
    "given", ["", "team", "1234", "15550100001@s.whatsapp.net", "120363@g.us.evil"]
)
def test_normalize_group_rejects_other(given: str) -> None:
    with pytest.raises(InvalidJidError):
        normalize_group_jid(given)


def test_parse_keeps_device() -> None:
    jid = parse_jid("15550100001:12@s.whatsapp.net")

    assert jid.device == 12
    assert jid.with_device == "15550100001:12@s.whatsapp.net"
    assert jid.phone == "15550100001"
    assert not jid.is_group


def test_lid_has_no_phone() -> None:
    jid = parse_jid("123456789012345@lid")

    assert jid.is_lid
    assert jid.phone is None


def test_mask_phone_keeps_last_four() -> None:
    assert mask_phone("15550100001") == "*******0001"

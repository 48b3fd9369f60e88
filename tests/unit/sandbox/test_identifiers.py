"""Identifiers shaped like WhatsApp's."""

from __future__ import annotations

import re

from wagate_common.jid import parse_jid
from wagate_sandbox.identifiers import (
    PAIRING_CODE_ALPHABET,
    new_device_message_id,
    new_group_jid,
    new_pairing_code,
    new_phone_message_id,
    new_qr_code,
    new_token,
)


def test_device_message_id_shape() -> None:
    assert re.fullmatch(r"3EB0[0-9A-F]{20}", new_device_message_id())


def test_phone_message_id_shape() -> None:
    assert re.fullmatch(r"3A[0-9A-F]{18}", new_phone_message_id())


def test_pairing_code_uses_unambiguous_letters() -> None:
    codes = [new_pairing_code() for _ in range(200)]

    assert all(len(code) == 8 for code in codes)
    assert set("".join(codes)) <= set(PAIRING_CODE_ALPHABET)
    assert not set("0IOU") & set(PAIRING_CODE_ALPHABET)


def test_qr_code_has_reference_and_three_keys() -> None:
    parts = new_qr_code().split(",")

    assert len(parts) == 4
    assert parts[0].startswith("2@")
    assert all(len(key) == 44 for key in parts[1:])


def test_group_jid_parses_as_group() -> None:
    jid = parse_jid(new_group_jid())

    assert jid.is_group
    assert jid.user.startswith("120363")
    assert len(jid.user) == 18


def test_tokens_are_long_and_distinct() -> None:
    tokens = {new_token() for _ in range(100)}

    assert len(tokens) == 100
    assert all(len(token) >= 43 for token in tokens)

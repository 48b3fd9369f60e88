"""Normalizing contact and group identifiers, and paging worker lists."""

from __future__ import annotations

import pytest

from wagate_api.routes.entries import (
    InvalidEntryError,
    distinct_values,
    group_jid,
    normalize_entries,
    path_user_jid,
    phone_digits,
    require_one_valid,
    user_jid,
)
from wagate_api.routes.live import page_after
from wagate_common.errors import ErrorCode, WagateError

GROUP = "120363000000000001@g.us"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+1 (555) 010-0002", "15550100002@s.whatsapp.net"),
        ("0015550100002", "15550100002@s.whatsapp.net"),
        ("15550100002@c.us", "15550100002@s.whatsapp.net"),
        ("15550100002:7@s.whatsapp.net", "15550100002@s.whatsapp.net"),
        ("123456789012345@lid", "123456789012345@lid"),
    ],
)
def test_user_jid_normalizes(value: str, expected: str) -> None:
    assert user_jid(value) == expected


@pytest.mark.parametrize(
    "value", ["", "bob", "12", GROUP, "120363000000000001@newsletter", "1@x.org"]
)
def test_user_jid_rejects(value: str) -> None:
    with pytest.raises(InvalidEntryError) as raised:
        user_jid(value)

    assert f"'{value}'" in str(raised.value)


def test_phone_digits_rejects_jid() -> None:
    with pytest.raises(InvalidEntryError):
        phone_digits("15550100002@s.whatsapp.net")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120363000000000001", GROUP),
        (GROUP, GROUP),
        (" 120363000000000001@G.US ", GROUP),
        ("15550100002-1600000000", "15550100002-1600000000@g.us"),
    ],
)
def test_group_jid_accepts(value: str, expected: str) -> None:
    assert group_jid(value) == expected


@pytest.mark.parametrize(
    "value", ["", "team", "1234", "15550100002@s.whatsapp.net", "120363@g.us.evil"]
)
def test_group_jid_rejects(value: str) -> None:
    with pytest.raises(WagateError) as raised:
        group_jid(value)

    assert raised.value.status == 400
    assert raised.value.code is ErrorCode.VALIDATION_ERROR
    assert raised.value.details == {
        "fields": [{"field": "groupId", "message": "not a group id"}]
    }


def test_path_user_jid_rejects_group() -> None:
    with pytest.raises(WagateError) as raised:
        path_user_jid(GROUP)

    assert raised.value.status == 400
    assert "not a user JID" in raised.value.message


def test_entries_keep_order_and_errors() -> None:
    entries = normalize_entries(["+1 555 010 0002", "x", "15550100002"], phone_digits)

    assert [entry.input for entry in entries] == ["+1 555 010 0002", "x", "15550100002"]
    assert [entry.value for entry in entries] == ["15550100002", None, "15550100002"]
    assert entries[1].error is not None
    assert distinct_values(entries) == ["15550100002"]


def test_require_one_valid_lists_entries() -> None:
    entries = normalize_entries(["x", "y"], phone_digits)

    with pytest.raises(WagateError) as raised:
        require_one_valid("phones", entries)

    assert raised.value.status == 400
    assert raised.value.details is not None
    fields = raised.value.details["fields"]
    assert [field["field"] for field in fields] == ["phones.0", "phones.1"]


def test_require_one_valid_passes_mixed() -> None:
    entries = normalize_entries(["x", "15550100002"], phone_digits)

    require_one_valid("phones", entries)


def test_page_after_walks_sorted_items() -> None:
    items = ["c", "a", "e", "b", "d"]

    first, cursor = page_after(items, str, None, 2)
    second, cursor_2 = page_after(items, str, cursor, 2)
    last, cursor_3 = page_after(items, str, cursor_2, 2)

    assert (first, cursor) == (["a", "b"], "b")
    assert (second, cursor_2) == (["c", "d"], "d")
    assert (last, cursor_3) == (["e"], None)


def test_page_after_exact_fit_has_no_next() -> None:
    assert page_after(["a", "b"], str, None, 2) == (["a", "b"], None)


def test_page_after_cursor_of_removed_item() -> None:
    assert page_after(["a", "c"], str, "b", 5) == (["c"], None)

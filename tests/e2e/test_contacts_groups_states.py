"""Contacts, groups and conversation states on a stack started with ``wagate up``.

The session's worker answers contacts and groups requests live from the
sandbox network. The states test follows the README's bot example.
"""

from __future__ import annotations

import httpx

from tests.e2e.conftest import StackFactory
from tests.e2e.test_walkthrough import PHONE, PHONE_DIGITS, pair_new_session

PHONE_JID = f"{PHONE_DIGITS}@s.whatsapp.net"
# The sandbox treats numbers ending in 0000 as not on WhatsApp.
NOT_ON_WHATSAPP = "+1 555 010 0000"
NEWCOMER = "+1 555 010 0003"
NEWCOMER_JID = "15550100003@s.whatsapp.net"


def participants(
    api: httpx.Client, group_id: str, action: str, entries: list[str]
) -> list[dict[str, object]]:
    response = api.post(
        f"/v1/groups/shop/{group_id}/participants",
        json={"action": action, "participants": entries},
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["data"]
    return rows


def outcomes(rows: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(row["input"], row["ok"], row["error"]) for row in rows]


def test_worker_answers_contacts_and_groups(stack_factory: StackFactory) -> None:
    api = stack_factory().api
    pair_new_session(api, "shop")

    check = api.post(
        "/v1/contacts/shop/check", json={"phones": [PHONE, NOT_ON_WHATSAPP, "12"]}
    )
    assert check.status_code == 200, check.text
    rows = check.json()["data"]
    assert [(row["onWhatsApp"], row["jid"]) for row in rows] == [
        (True, PHONE_JID),
        (False, None),
        (False, None),
    ]
    assert rows[2]["error"]

    created = api.post(
        "/v1/groups/shop", json={"subject": "Orders", "participants": [PHONE]}
    )
    assert created.status_code == 201, created.text
    group = created.json()["data"]
    assert group["subject"] == "Orders"
    assert PHONE_JID in {member["jid"] for member in group["participants"]}

    added = participants(
        api, group["id"], "add", [NEWCOMER, NOT_ON_WHATSAPP, "not a phone", PHONE]
    )
    assert outcomes(added) == [
        (NEWCOMER, True, None),
        (NOT_ON_WHATSAPP, False, "not on WhatsApp"),
        ("not a phone", False, added[2]["error"]),
        (PHONE, False, "already a participant"),
    ]
    assert added[2]["jid"] is None
    assert added[2]["error"]
    assert participants(api, group["id"], "promote", [NEWCOMER])[0]["ok"] is True
    assert participants(api, group["id"], "demote", [NEWCOMER])[0]["ok"] is True
    removed = participants(api, group["id"], "remove", [NEWCOMER, "+1 555 010 0004"])
    assert outcomes(removed) == [
        (NEWCOMER, True, None),
        ("+1 555 010 0004", False, "not a participant"),
    ]

    changed = api.patch(
        f"/v1/groups/shop/{group['id']}",
        json={"description": "Order updates", "locked": True},
    )
    assert changed.status_code == 200, changed.text
    read_back = api.get(f"/v1/groups/shop/{group['id']}").json()["data"]
    assert (read_back["description"], read_back["locked"]) == ("Order updates", True)
    assert NEWCOMER_JID not in {member["jid"] for member in read_back["participants"]}

    link = api.get(f"/v1/groups/shop/{group['id']}/invite").json()["data"]["link"]
    revoked = api.delete(f"/v1/groups/shop/{group['id']}/invite")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["data"]["link"] != link


def test_readme_bot_state_example(stack_factory: StackFactory) -> None:
    api = stack_factory().api
    pair_new_session(api, "shop")

    first = api.put(
        "/v1/states/shop/+15550100002",
        json={"state": "awaiting_address", "data": {"orderId": 42}, "ttlSeconds": 3600},
    )
    assert first.status_code == 200, first.text
    assert first.json()["data"]["version"] == 1

    second = api.put(
        f"/v1/states/shop/{PHONE_JID}",
        headers={"If-Match": "1"},
        json={"state": "done", "data": {"orderId": 42}},
    )
    assert second.status_code == 200, second.text
    assert second.json()["data"]["version"] == 2

    stale = api.put(
        f"/v1/states/shop/{PHONE_JID}",
        headers={"If-Match": "1"},
        json={"state": "awaiting_address", "data": {}},
    )
    assert stale.status_code == 412, stale.text
    stored = api.get(f"/v1/states/shop/{PHONE}").json()["data"]
    assert (stored["state"], stored["version"]) == ("done", 2)

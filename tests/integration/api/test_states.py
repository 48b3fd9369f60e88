"""Conversation states: versions, If-Match, TTL, JID normalization, paging."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.api.helpers import assert_error
from wagate_common.infrastructure import Infrastructure

CHAT = "15550100001@s.whatsapp.net"


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    return "bot"


async def test_put_creates_version_one(client: httpx.AsyncClient, session: str) -> None:
    response = await client.put(
        f"/v1/states/{session}/{CHAT}", json={"state": "menu", "data": {"step": 1}}
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["sessionId"] == session
    assert data["jid"] == CHAT
    assert data["state"] == "menu"
    assert data["data"] == {"step": 1}
    assert data["version"] == 1
    assert data["expiresAt"] is None
    assert response.headers["etag"] == '"1"'


async def test_each_write_increases_version(
    client: httpx.AsyncClient, session: str
) -> None:
    versions = []
    for step in range(3):
        response = await client.put(
            f"/v1/states/{session}/{CHAT}", json={"state": "menu", "data": {"step": step}}
        )
        versions.append(response.json()["data"]["version"])

    assert versions == [1, 2, 3]


async def test_phone_and_jid_are_one_state(
    client: httpx.AsyncClient, session: str
) -> None:
    await client.put(f"/v1/states/{session}/+1 555 010 0001", json={"state": "a"})

    by_jid = await client.get(f"/v1/states/{session}/{CHAT}")
    by_device = await client.get(f"/v1/states/{session}/15550100001:3@s.whatsapp.net")

    assert by_jid.json()["data"]["state"] == "a"
    assert by_device.json()["data"]["jid"] == CHAT


async def test_if_match_mismatch_conflicts(
    client: httpx.AsyncClient, session: str
) -> None:
    await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "a"})

    stale = await client.put(
        f"/v1/states/{session}/{CHAT}", json={"state": "b"}, headers={"If-Match": "7"}
    )
    current = await client.put(
        f"/v1/states/{session}/{CHAT}", json={"state": "c"}, headers={"If-Match": '"1"'}
    )

    error = assert_error(stale, 412, "VERSION_CONFLICT")
    assert "is at version 1, not 7" in error["error"]["message"]
    assert current.status_code == 200
    assert current.json()["data"]["version"] == 2
    assert current.json()["data"]["state"] == "c"


async def test_if_match_on_absent_state_conflicts(
    client: httpx.AsyncClient, session: str
) -> None:
    response = await client.put(
        f"/v1/states/{session}/{CHAT}", json={"state": "a"}, headers={"If-Match": "1"}
    )

    error = assert_error(response, 412, "VERSION_CONFLICT")
    assert "there is no state" in error["error"]["message"]


async def test_if_match_star_needs_existing_state(
    client: httpx.AsyncClient, session: str
) -> None:
    absent = await client.put(
        f"/v1/states/{session}/{CHAT}", json={"state": "a"}, headers={"If-Match": "*"}
    )
    await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "a"})
    present = await client.put(
        f"/v1/states/{session}/{CHAT}", json={"state": "b"}, headers={"If-Match": "*"}
    )

    assert_error(absent, 412, "VERSION_CONFLICT")
    assert present.status_code == 200, present.text
    assert present.json()["data"]["version"] == 2
    assert present.json()["data"]["state"] == "b"


async def test_concurrent_if_match_has_one_winner(
    client: httpx.AsyncClient, session: str
) -> None:
    await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "start"})

    first, second = await asyncio.gather(
        client.put(
            f"/v1/states/{session}/{CHAT}",
            json={"state": "left", "data": {"by": "left"}},
            headers={"If-Match": "1"},
        ),
        client.put(
            f"/v1/states/{session}/{CHAT}",
            json={"state": "right", "data": {"extra": True}},
            headers={"If-Match": "1"},
        ),
    )
    stored = (await client.get(f"/v1/states/{session}/{CHAT}")).json()["data"]

    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    assert stored["version"] == 2
    assert stored["state"] == winner.json()["data"]["state"]
    assert stored["data"] == winner.json()["data"]["data"]
    assert len(stored["data"]) == 1


async def test_expired_state_reads_as_absent(
    client: httpx.AsyncClient, session: str
) -> None:
    await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "a", "ttlSeconds": 1})

    await asyncio.sleep(2)
    response = await client.get(f"/v1/states/{session}/{CHAT}")
    listed = await client.get(f"/v1/states/{session}")
    rewritten = await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "b"})

    assert_error(response, 404, "STATE_NOT_FOUND")
    assert listed.json()["data"] == []
    assert rewritten.json()["data"]["version"] == 1


async def test_list_filters_by_state_and_pages(
    client: httpx.AsyncClient, session: str
) -> None:
    for index, name in enumerate(["menu", "cart", "menu", "menu"]):
        await client.put(f"/v1/states/{session}/1555010000{index}", json={"state": name})

    menus = (await client.get(f"/v1/states/{session}", params={"state": "menu"})).json()
    first = (await client.get(f"/v1/states/{session}", params={"limit": 3})).json()
    rest = (
        await client.get(
            f"/v1/states/{session}", params={"limit": 3, "cursor": first["page"]["next"]}
        )
    ).json()

    assert len(menus["data"]) == 3
    assert {item["state"] for item in menus["data"]} == {"menu"}
    assert len(first["data"]) == 3
    assert len(rest["data"]) == 1
    assert rest["page"]["next"] is None


async def test_delete_state_then_not_found(
    client: httpx.AsyncClient, session: str
) -> None:
    await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "a"})

    deleted = await client.delete(f"/v1/states/{session}/{CHAT}")
    again = await client.delete(f"/v1/states/{session}/{CHAT}")

    assert deleted.status_code == 200
    assert_error(again, 404, "STATE_NOT_FOUND")


async def test_deleting_session_deletes_states(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await client.put(f"/v1/states/{session}/{CHAT}", json={"state": "a"})

    await client.delete(f"/v1/sessions/{session}")

    assert await infra.db["states"].count_documents({"sessionId": session}) == 0


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code"),
    [
        (f"/v1/states/bot/{CHAT}", {}, {}, 400, "VALIDATION_ERROR"),
        (f"/v1/states/bot/{CHAT}", {"state": ""}, {}, 400, "VALIDATION_ERROR"),
        (
            f"/v1/states/bot/{CHAT}",
            {"state": "a", "ttlSeconds": 0},
            {},
            400,
            "VALIDATION_ERROR",
        ),
        (
            f"/v1/states/bot/{CHAT}",
            {"state": "a", "data": [1]},
            {},
            400,
            "VALIDATION_ERROR",
        ),
        (
            f"/v1/states/bot/{CHAT}",
            {"state": "a", "data": {"x": "y" * 70000}},
            {},
            400,
            "VALIDATION_ERROR",
        ),
        (
            f"/v1/states/bot/{CHAT}",
            {"state": "a"},
            {"If-Match": "abc"},
            400,
            "VALIDATION_ERROR",
        ),
        ("/v1/states/bot/not-a-chat", {"state": "a"}, {}, 400, "VALIDATION_ERROR"),
        (f"/v1/states/ghost/{CHAT}", {"state": "a"}, {}, 404, "SESSION_NOT_FOUND"),
    ],
)
async def test_bad_put_changes_nothing(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    path: str,
    body: dict[str, object],
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await client.put(path, json=body, headers=headers)

    assert_error(response, status, code)
    assert await infra.db["states"].count_documents({}) == 0

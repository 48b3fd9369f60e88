"""Session routes against a real broker and database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.integration.api.helpers import assert_error, queued_commands
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.shards import shard_of
from wagate_common.storage.sessions import SessionRepository


async def test_create_session_returns_record(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/sessions",
        json={
            "id": "sales",
            "name": "Sales",
            "driver": "sandbox",
            "metadata": {"team": "a"},
        },
    )

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"] == "sales"
    assert data["name"] == "Sales"
    assert data["driver"] == "sandbox"
    assert data["status"] == "created"
    assert data["desiredStatus"] == "disconnected"
    assert data["me"] is None
    assert data["qr"] is None
    assert data["metadata"] == {"team": "a"}
    assert data["shard"] == shard_of("sales", 8)
    assert data["createdAt"].endswith("Z")


async def test_create_session_generates_id(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/sessions", json={"driver": "sandbox"})

    assert response.status_code == 201
    assert response.json()["data"]["id"].startswith("ses_")


async def test_create_session_twice_conflicts(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "dup", "driver": "sandbox"})

    response = await client.post("/v1/sessions", json={"id": "dup", "driver": "sandbox"})

    assert_error(response, 409, "SESSION_EXISTS")


async def test_create_session_rejects_bad_id(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    for bad_id in ["Upper", "-lead", "a" * 65, "with space", "dot.ted"]:
        response = await client.post("/v1/sessions", json={"id": bad_id})

        body = assert_error(response, 400, "VALIDATION_ERROR")
        assert body["error"]["details"]["fields"][0]["field"] == "id"
    assert await infra.db["sessions"].count_documents({}) == 0


async def test_create_session_rejects_unknown_driver(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/sessions", json={"driver": "telegram"})

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_list_sessions_filters_and_pages(client: httpx.AsyncClient) -> None:
    for name in ["s1", "s2", "s3"]:
        await client.post("/v1/sessions", json={"id": name, "driver": "sandbox"})

    first = (await client.get("/v1/sessions", params={"limit": 2})).json()
    second = (
        await client.get(
            "/v1/sessions", params={"limit": 2, "cursor": first["page"]["next"]}
        )
    ).json()
    filtered = (await client.get("/v1/sessions", params={"status": "connected"})).json()

    assert [item["id"] for item in first["data"]] == ["s1", "s2"]
    assert first["page"] == {"next": "s2", "limit": 2}
    assert [item["id"] for item in second["data"]] == ["s3"]
    assert second["page"]["next"] is None
    assert filtered["data"] == []


async def test_list_sessions_rejects_bad_limit(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/sessions", params={"limit": 501})

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_unknown_session_is_not_found(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/v1/sessions/ghost"),
        ("GET", "/v1/sessions/ghost/qr"),
        ("POST", "/v1/sessions/ghost/connect"),
        ("POST", "/v1/sessions/ghost/disconnect"),
        ("DELETE", "/v1/sessions/ghost"),
    ]:
        response = await client.request(method, path)

        assert_error(response, 404, "SESSION_NOT_FOUND")


async def test_connect_queues_command(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await client.post("/v1/sessions", json={"id": "c1", "driver": "sandbox"})

    response = await client.post(
        "/v1/sessions/c1/connect", json={"pairingPhone": "+1 (555) 010-0001"}
    )

    assert response.status_code == 202
    assert response.json()["data"]["desiredStatus"] == "connected"
    stored = await infra.js.get_last_msg(
        subjects.COMMANDS_STREAM, subjects.command(shard_of("c1", 8), "c1")
    )
    command = json.loads(stored.data or b"")
    assert command["type"] == "session.connect"
    assert command["pairingPhone"] == "15550100001"
    assert stored.headers is not None
    assert stored.headers["Nats-Msg-Id"] == command["id"]


async def test_connect_lifts_a_quarantine(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await client.post("/v1/sessions", json={"id": "q1", "driver": "sandbox"})
    await SessionRepository(infra.db).update(
        "q1", {"status": "failed", "startCrashes": 2, "lastError": "quarantined: ..."}
    )

    response = await client.post("/v1/sessions/q1/connect")

    assert response.status_code == 202
    stored = await SessionRepository(infra.db).get("q1")
    assert stored is not None
    assert stored["startCrashes"] == 0


async def test_connect_rejects_bad_pairing_phone(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await client.post("/v1/sessions", json={"id": "c2", "driver": "sandbox"})

    response = await client.post("/v1/sessions/c2/connect", json={"pairingPhone": "abc"})

    assert_error(response, 400, "VALIDATION_ERROR")
    assert await queued_commands(infra) == 0


async def test_disconnect_queues_command(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await client.post("/v1/sessions", json={"id": "d1", "driver": "sandbox"})

    response = await client.post("/v1/sessions/d1/disconnect")

    assert response.status_code == 202
    assert response.json()["data"]["desiredStatus"] == "disconnected"
    stored = await infra.js.get_last_msg(
        subjects.COMMANDS_STREAM, subjects.command(shard_of("d1", 8), "d1")
    )
    assert json.loads(stored.data or b"")["type"] == "session.disconnect"


async def test_delete_purges_queued_commands(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await client.post("/v1/sessions", json={"id": "gone", "driver": "sandbox"})
    await client.post("/v1/sessions/gone/connect")

    response = await client.delete("/v1/sessions/gone")

    assert response.status_code == 200
    assert response.json()["data"] == {"id": "gone", "deleted": True}
    assert await infra.db["sessions"].count_documents({"_id": "gone"}) == 0
    assert await queued_commands(infra) == 1
    stored = await infra.js.get_last_msg(
        subjects.COMMANDS_STREAM, subjects.command(shard_of("gone", 8), "gone")
    )
    command = json.loads(stored.data or b"")
    assert command["type"] == "session.logout"
    assert command["driver"] == "sandbox"


async def test_qr_not_found_without_code(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "noqr", "driver": "sandbox"})

    response = await client.get("/v1/sessions/noqr/qr")

    assert_error(response, 404, "NOT_FOUND")


async def test_qr_served_as_json_and_png(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await client.post("/v1/sessions", json={"id": "qr1", "driver": "sandbox"})
    expires = datetime.now(UTC) + timedelta(seconds=20)
    await infra.db["sessions"].update_one(
        {"_id": "qr1"},
        {"$set": {"status": "qr", "qr": {"code": "2@abc,def", "expiresAt": expires}}},
    )

    as_json = await client.get("/v1/sessions/qr1/qr")
    as_png = await client.get("/v1/sessions/qr1/qr", params={"format": "png"})
    session = await client.get("/v1/sessions/qr1")

    assert as_json.status_code == 200
    assert as_json.json()["data"]["code"] == "2@abc,def"
    assert as_json.json()["data"]["image"].startswith("data:image/png;base64,")
    assert as_png.headers["content-type"] == "image/png"
    assert as_png.content.startswith(b"\x89PNG")
    assert session.json()["data"]["qr"]["code"] == "2@abc,def"

"""A session's sendPacing, set on create and changed by PATCH."""

from __future__ import annotations

import httpx

from tests.integration.api.helpers import assert_error
from wagate_common.infrastructure import Infrastructure


async def test_pacing_stored_on_create(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    response = await client.post(
        "/v1/sessions",
        json={"id": "paced", "driver": "sandbox", "sendPacing": {"minGapMs": 1500}},
    )

    stored = await infra.db["sessions"].find_one({"_id": "paced"})
    assert response.status_code == 201
    assert response.json()["data"]["sendPacing"] == {"minGapMs": 1500, "perMinute": None}
    assert stored is not None
    assert stored["sendPacing"] == {"minGapMs": 1500, "perMinute": None}


async def test_pacing_changed_by_patch(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "paced", "driver": "sandbox"})

    response = await client.patch(
        "/v1/sessions/paced", json={"sendPacing": {"minGapMs": 0, "perMinute": 20}}
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["sendPacing"] == {"minGapMs": 0, "perMinute": 20}
    assert data["driver"] == "sandbox"


async def test_patch_keeps_absent_fields(client: httpx.AsyncClient) -> None:
    await client.post(
        "/v1/sessions", json={"id": "paced", "driver": "sandbox", "name": "Shop"}
    )

    response = await client.patch("/v1/sessions/paced", json={"metadata": {"a": 1}})

    assert response.json()["data"]["name"] == "Shop"
    assert response.json()["data"]["metadata"] == {"a": 1}


async def test_patch_null_clears_fields(client: httpx.AsyncClient) -> None:
    await client.post(
        "/v1/sessions",
        json={
            "id": "paced",
            "driver": "sandbox",
            "name": "Shop",
            "metadata": {"a": 1},
            "sendPacing": {"minGapMs": 0, "perMinute": 20},
        },
    )

    response = await client.patch(
        "/v1/sessions/paced", json={"name": None, "metadata": None, "sendPacing": None}
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["name"] is None
    assert data["metadata"] == {}
    assert data["sendPacing"] is None


async def test_negative_gap_rejected(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "paced", "driver": "sandbox"})

    response = await client.patch(
        "/v1/sessions/paced", json={"sendPacing": {"minGapMs": -1}}
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_patch_unknown_session_not_found(client: httpx.AsyncClient) -> None:
    response = await client.patch("/v1/sessions/nope", json={"name": "x"})

    assert_error(response, 404, "SESSION_NOT_FOUND")

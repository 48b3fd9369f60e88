"""A key bound to sessions sees and acts on those sessions only."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records
from tests.integration.api.keys import create_key
from wagate_common.infrastructure import Infrastructure


@pytest.fixture
async def bound_key(client: httpx.AsyncClient) -> dict[str, str]:
    for session_id in ("mine", "theirs"):
        created = await client.post(
            "/v1/sessions", json={"id": session_id, "driver": "sandbox"}
        )
        assert created.status_code == 201
    data = await create_key(
        client, scopes=["sessions", "messages", "webhooks"], sessionIds=["mine"]
    )
    return {"X-API-Key": data["key"]}


async def test_bound_key_lists_own_sessions(
    anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    response = await anonymous.get("/v1/sessions", headers=bound_key)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["data"]] == ["mine"]


async def test_bound_key_reads_own_session(
    anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    response = await anonymous.get("/v1/sessions/mine", headers=bound_key)

    assert response.status_code == 200


async def test_bound_key_cannot_read_other(
    anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    response = await anonymous.get("/v1/sessions/theirs", headers=bound_key)

    assert_error(response, 404, "SESSION_NOT_FOUND")


async def test_bound_key_cannot_send_through_other(
    anonymous: httpx.AsyncClient, bound_key: dict[str, str], infra: Infrastructure
) -> None:
    response = await anonymous.post(
        "/v1/messages/text",
        json={"sessionId": "theirs", "to": "15550100002", "text": "hi"},
        headers=bound_key,
    )

    assert_error(response, 404, "SESSION_NOT_FOUND")
    assert await message_records(infra) == 0


async def test_bound_key_cannot_delete_other(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    response = await anonymous.delete("/v1/sessions/theirs", headers=bound_key)

    assert_error(response, 404, "SESSION_NOT_FOUND")
    assert (await client.get("/v1/sessions/theirs")).status_code == 200


async def test_bound_key_cannot_read_other_message(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    sent = await client.post(
        "/v1/messages/text",
        json={"sessionId": "theirs", "to": "15550100002", "text": "hi"},
    )
    message_id = sent.json()["data"]["id"]

    response = await anonymous.get(f"/v1/messages/{message_id}", headers=bound_key)

    assert_error(response, 404, "NOT_FOUND")


async def test_bound_key_sends_through_own(
    anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    response = await anonymous.post(
        "/v1/messages/text",
        json={"sessionId": "mine", "to": "15550100002", "text": "hi"},
        headers=bound_key,
    )

    assert response.status_code == 202


async def test_bound_key_cannot_create_other_session(
    anonymous: httpx.AsyncClient, bound_key: dict[str, str]
) -> None:
    response = await anonymous.post(
        "/v1/sessions", json={"id": "another", "driver": "sandbox"}, headers=bound_key
    )

    assert_error(response, 403, "FORBIDDEN")

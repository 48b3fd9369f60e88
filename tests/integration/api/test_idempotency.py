"""Idempotency-Key: one execution, the first response replayed, conflicts rejected."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records, queued_commands
from tests.integration.api.keys import create_key
from wagate_common.infrastructure import Infrastructure

TEXT = {"sessionId": "bot", "to": "15550100002", "text": "once"}


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    return "bot"


async def test_parallel_requests_send_once(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    headers = {"Idempotency-Key": "order-42"}

    answers = await asyncio.gather(
        *(
            client.post("/v1/messages/text", json=TEXT, headers=headers)
            for _ in range(100)
        )
    )

    statuses = {answer.status_code for answer in answers}
    ids = {answer.json()["data"]["id"] for answer in answers}
    assert statuses == {202}
    assert len(ids) == 1
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 1


async def test_repeat_replays_first_answer(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    headers = {"Idempotency-Key": "order-43"}
    first = await client.post("/v1/messages/text", json=TEXT, headers=headers)

    repeat = await client.post("/v1/messages/text", json=TEXT, headers=headers)

    assert repeat.status_code == first.status_code
    assert repeat.json() == first.json()
    assert repeat.headers["idempotent-replayed"] == "true"
    assert await message_records(infra) == 1


async def test_other_body_conflicts(client: httpx.AsyncClient, session: str) -> None:
    headers = {"Idempotency-Key": "order-44"}
    await client.post("/v1/messages/text", json=TEXT, headers=headers)

    response = await client.post(
        "/v1/messages/text", json={**TEXT, "text": "twice"}, headers=headers
    )

    assert_error(response, 409, "IDEMPOTENCY_CONFLICT")


async def test_keys_scoped_per_api_key(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
) -> None:
    other = {"X-API-Key": (await create_key(client, scopes=["messages"]))["key"]}
    await client.post("/v1/messages/text", json=TEXT, headers={"Idempotency-Key": "k"})

    response = await anonymous.post(
        "/v1/messages/text", json=TEXT, headers={**other, "Idempotency-Key": "k"}
    )

    assert response.status_code == 202
    assert await message_records(infra) == 2


async def test_session_create_replayed(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "create-shop"}
    body = {"id": "shop", "driver": "sandbox"}
    first = await client.post("/v1/sessions", json=body, headers=headers)

    repeat = await client.post("/v1/sessions", json=body, headers=headers)

    assert first.status_code == 201
    assert repeat.status_code == 201
    assert repeat.json() == first.json()


async def test_api_key_create_replayed(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    headers = {"Idempotency-Key": "key-1"}
    first = await client.post("/v1/admin/api-keys", json={"name": "a"}, headers=headers)

    repeat = await client.post("/v1/admin/api-keys", json={"name": "a"}, headers=headers)

    assert repeat.json() == first.json()
    assert await infra.db["api_keys"].count_documents({}) == 1


async def test_unauthorized_attempt_not_stored(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, session: str
) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    rejected = await anonymous.post("/v1/messages/text", json=TEXT, headers=headers)

    accepted = await client.post("/v1/messages/text", json=TEXT, headers=headers)

    assert rejected.status_code == 401
    assert accepted.status_code == 202


async def test_overlong_key_rejected(client: httpx.AsyncClient, session: str) -> None:
    response = await client.post(
        "/v1/messages/text", json=TEXT, headers={"Idempotency-Key": "x" * 256}
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_stale_pending_record_taken_over(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    headers = {"Idempotency-Key": "crashed"}
    await client.post("/v1/messages/text", json=TEXT, headers=headers)
    # As if the process running the first request had died before completing it.
    await infra.db["idempotency"].update_many(
        {},
        {
            "$set": {
                "state": "pending",
                "createdAt": datetime.now(UTC) - timedelta(hours=1),
            },
            "$unset": {"status": "", "body": ""},
        },
    )

    response = await client.post("/v1/messages/text", json=TEXT, headers=headers)

    assert response.status_code == 202
    assert "idempotent-replayed" not in response.headers
    assert await message_records(infra) == 2


async def test_recent_pending_record_waited_for(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    headers = {"Idempotency-Key": "running"}
    first = await client.post("/v1/messages/text", json=TEXT, headers=headers)
    stored = await infra.db["idempotency"].find_one({})
    assert stored is not None
    await infra.db["idempotency"].update_one(
        {"_id": stored["_id"]}, {"$set": {"state": "pending"}}
    )

    async def complete_later() -> None:
        await asyncio.sleep(0.3)
        await infra.db["idempotency"].update_one(
            {"_id": stored["_id"]}, {"$set": {"state": "completed"}}
        )

    completer = asyncio.create_task(complete_later())
    repeat = await client.post("/v1/messages/text", json=TEXT, headers=headers)
    await completer

    assert repeat.json() == first.json()
    assert repeat.headers["idempotent-replayed"] == "true"
    assert await message_records(infra) == 1


async def test_record_expires_by_ttl_index(infra: Infrastructure) -> None:
    indexes = await infra.db["idempotency"].index_information()

    ttl = [index for index in indexes.values() if "expireAfterSeconds" in index]
    assert [index["key"] for index in ttl] == [[("expiresAt", 1)]]

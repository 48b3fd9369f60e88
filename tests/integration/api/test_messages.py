"""Text message routes: queueing, reading and every documented bad input."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records, queued_commands
from tests.integration.api.message_support import seed_received
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.shards import shard_of


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    return "bot"


async def test_send_text_queues_record_and_command(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        json={"sessionId": session, "to": "+1 (555) 010-0002", "text": "hello"},
    )

    assert response.status_code == 202
    data = response.json()["data"]
    assert data["to"] == "15550100002@s.whatsapp.net"
    assert data["status"] == "queued"
    assert data["type"] == "text"
    assert data["waMessageId"] is None
    stored = await infra.js.get_last_msg(
        subjects.COMMANDS_STREAM, subjects.command(shard_of(session, 8), session)
    )
    command = json.loads(stored.data or b"")
    assert command["type"] == "message.send"
    assert command["messageId"] == data["id"]
    assert command["content"] == {
        "kind": "text",
        "text": "hello",
        "replyTo": None,
        "mentions": [],
        "linkPreview": False,
        "forwarded": False,
    }


async def test_get_message_returns_record(
    client: httpx.AsyncClient, session: str
) -> None:
    sent = await client.post(
        "/v1/messages/text", json={"sessionId": session, "to": "15550100002", "text": "x"}
    )
    message_id = sent.json()["data"]["id"]

    response = await client.get(f"/v1/messages/{message_id}")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == message_id


async def test_get_unknown_message_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/messages/msg_nope")

    assert_error(response, 404, "NOT_FOUND")


async def test_get_received_message_explains_404(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_received(infra, session, "WA-IN")

    response = await client.get("/v1/messages/WA-IN")

    error = assert_error(response, 404, "NOT_FOUND")
    message = error["error"]["message"]
    assert "message 'WA-IN' was received" in message
    assert "message.received events" in message
    assert "GET /v1/messages/WA-IN/media" in message


async def test_send_normalizes_mentions_and_group(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        json={
            "sessionId": session,
            "to": "120363000000000001@g.us",
            "text": "hi @15550100003",
            "mentions": ["+1 555 010 0003", "15550100004:7@s.whatsapp.net"],
        },
    )

    assert response.status_code == 202
    assert response.json()["data"]["to"] == "120363000000000001@g.us"
    stored = await infra.js.get_last_msg(
        subjects.COMMANDS_STREAM, subjects.command(shard_of(session, 8), session)
    )
    assert json.loads(stored.data or b"")["content"]["mentions"] == [
        "15550100003@s.whatsapp.net",
        "15550100004@s.whatsapp.net",
    ]


BAD_BODIES = [
    ({"to": "15550100002", "text": "x"}, 400, "VALIDATION_ERROR"),
    ({"sessionId": "bot", "text": "x"}, 400, "VALIDATION_ERROR"),
    ({"sessionId": "bot", "to": "15550100002"}, 400, "VALIDATION_ERROR"),
    ({"sessionId": "bot", "to": "15550100002", "text": ""}, 400, "VALIDATION_ERROR"),
    (
        {"sessionId": "bot", "to": "15550100002", "text": "x" * 65537},
        400,
        "VALIDATION_ERROR",
    ),
    ({"sessionId": "bot", "to": "15550100002", "text": 5}, 400, "VALIDATION_ERROR"),
    ({"sessionId": "bot", "to": "not a number", "text": "x"}, 422, "INVALID_RECIPIENT"),
    ({"sessionId": "bot", "to": "123", "text": "x"}, 422, "INVALID_RECIPIENT"),
    (
        {"sessionId": "bot", "to": "1555@example.com", "text": "x"},
        422,
        "INVALID_RECIPIENT",
    ),
    (
        {"sessionId": "bot", "to": "15550100002", "text": "x", "mentions": ["nobody"]},
        422,
        "INVALID_RECIPIENT",
    ),
    ({"sessionId": "ghost", "to": "15550100002", "text": "x"}, 404, "SESSION_NOT_FOUND"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
async def test_bad_send_changes_nothing(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    response = await client.post("/v1/messages/text", json=body)

    assert_error(response, status, code)
    assert await message_records(infra) == 0
    assert await queued_commands(infra) == 0


async def test_longest_text_is_accepted(client: httpx.AsyncClient, session: str) -> None:
    response = await client.post(
        "/v1/messages/text",
        json={"sessionId": session, "to": "15550100002", "text": "x" * 65536},
    )

    assert response.status_code == 202


async def test_malformed_json_changes_nothing(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        content=b'{"sessionId": "bot", "to": ',
        headers={"Content-Type": "application/json"},
    )

    assert_error(response, 400, "INVALID_JSON")
    assert await message_records(infra) == 0
    assert await queued_commands(infra) == 0


async def test_wait_on_offline_session_conflicts(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        params={"wait": "true"},
        json={"sessionId": session, "to": "15550100002", "text": "x"},
    )

    assert_error(response, 409, "SESSION_NOT_CONNECTED")
    assert await message_records(infra) == 0

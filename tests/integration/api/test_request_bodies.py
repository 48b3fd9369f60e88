"""Request bodies the api rejects as a whole: size, type, parsing and unknown fields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records, queued_commands
from wagate_common.infrastructure import Infrastructure

TEXT_BODY = {"sessionId": "bot", "to": "15550100002", "text": "hello"}


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    return "bot"


async def nothing_sent(infra: Infrastructure) -> bool:
    return await message_records(infra) == 0 and await queued_commands(infra) == 0


async def test_chunked_oversized_body_too_large(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"sessionId": "bot", "to": "15550100002", "text": "'
        for _ in range(40):
            yield b"A" * 65536
        yield b'"}'

    response = await client.post(
        "/v1/messages/text",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert "content-length" not in response.request.headers
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert await nothing_sent(infra)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded"]
)
async def test_body_not_declared_json_unsupported(
    client: httpx.AsyncClient, infra: Infrastructure, session: str, content_type: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        content=b'{"sessionId": "bot", "to": "15550100002", "text": "hello"}',
        headers={"Content-Type": content_type},
    )

    body = assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert content_type in body["error"]["message"]
    assert "application/json" in body["error"]["message"]
    assert await nothing_sent(infra)


async def test_empty_object_not_declared_json_unsupported(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    response = await client.post(
        "/v1/sessions", content=b"{}", headers={"Content-Type": "text/plain"}
    )

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert await infra.db["sessions"].count_documents({}) == 0


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_json_content_types_accepted(
    client: httpx.AsyncClient, session: str, content_type: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        content=b'{"sessionId": "bot", "to": "15550100002", "text": "hello"}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 202, response.text


async def test_json_without_content_type_accepted(
    client: httpx.AsyncClient, session: str
) -> None:
    request = client.build_request(
        "POST",
        "/v1/messages/text",
        content=b'{"sessionId": "bot", "to": "15550100002", "text": "hello"}',
    )
    response = await client.send(request)

    assert "content-type" not in request.headers
    assert response.status_code == 202, response.text


async def test_body_type_checked_after_routing(client: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "text/plain"}

    unknown = await client.post("/v1/nothing-here", content=b"x", headers=headers)
    wrong_method = await client.put("/v1/sessions", content=b"x", headers=headers)

    assert_error(unknown, 404, "NOT_FOUND")
    assert_error(wrong_method, 405, "METHOD_NOT_ALLOWED")


async def test_body_on_bodyless_route_rejected(
    client: httpx.AsyncClient, session: str
) -> None:
    response = await client.post("/v1/sessions/bot/disconnect", json={"force": True})

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "takes no request body" in error["error"]["message"]
    record = (await client.get("/v1/sessions/bot")).json()["data"]
    assert record["status"] == "created"


@pytest.mark.parametrize("content", [b"", b"{}", b" {} ", b"{ }", b"{\n}\n"])
async def test_empty_body_on_bodyless_route_accepted(
    client: httpx.AsyncClient, session: str, content: bytes
) -> None:
    response = await client.post(
        "/v1/sessions/bot/disconnect",
        content=content,
        headers={"Content-Type": "text/plain"},
    )

    assert response.status_code == 202, response.text


async def test_body_not_utf8_invalid_json(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        content=b'{"sessionId": "bot", "to": "15550100002", "text": "caf\xe9"}',
        headers={"Content-Type": "application/json"},
    )

    error = assert_error(response, 400, "INVALID_JSON")
    assert "not UTF-8" in error["error"]["message"]
    assert await nothing_sent(infra)


async def test_openapi_documents_error_envelope(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/v1/messages/text"]["post"]

    assert "422" not in operation["responses"]
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"
    }
    reaction = schema["paths"]["/v1/messages/reaction"]["post"]["responses"]
    assert reaction["422"]["description"].startswith("`UNSUPPORTED_MESSAGE_TYPE`")
    assert reaction["422"]["content"] == operation["responses"]["400"]["content"]
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components
    assert components["ErrorEnvelope"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert set(components["ErrorBody"]["required"]) == {"code", "message"}


async def test_deeply_nested_json_invalid(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    depth = 100_000
    nested = b'{"state": "x", "data": {"a": ' + b"[" * depth + b"]" * depth + b"}}"

    response = await client.put(
        "/v1/states/bot/15550100002",
        content=nested,
        headers={"Content-Type": "application/json"},
    )

    assert_error(response, 400, "INVALID_JSON")
    assert await infra.db["states"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("/v1/messages/text", {**TEXT_BODY, "replyto": "WA-1"}, "replyto"),
        (
            "/v1/messages/poll",
            {
                "sessionId": "bot",
                "to": "15550100002",
                "question": "Lunch?",
                "options": ["Yes", "No"],
                "replyTo": "WA-1",
            },
            "replyTo",
        ),
        (
            "/v1/messages/media",
            {
                "sessionId": "bot",
                "to": "15550100002",
                "type": "image",
                "media": {"url": "https://example.org/a.png", "mime": "image/png"},
            },
            "media.mime",
        ),
    ],
)
async def test_unknown_field_rejected(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    route: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(route, json=body)

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["error"]["details"]["fields"] == [
        {"field": field, "message": "unknown field; this request does not take it"}
    ]
    assert await nothing_sent(infra)


async def test_boolean_given_as_string_rejected(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text", json={**TEXT_BODY, "linkPreview": "yes"}
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["error"]["details"]["fields"][0]["field"] == "linkPreview"
    assert await nothing_sent(infra)


async def test_url_media_with_mimetype_rejected(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json={
            "sessionId": "bot",
            "to": "15550100002",
            "type": "image",
            "media": {"url": "https://example.org/a.png", "mimetype": "image/png"},
        },
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    message = error["error"]["details"]["fields"][0]["message"]
    assert message.startswith("'mimetype' goes only with 'base64'")
    assert await nothing_sent(infra)


async def test_validator_message_without_pydantic_prefix(
    client: httpx.AsyncClient, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json={
            "sessionId": "bot",
            "to": "15550100002",
            "type": "image",
            "media": {"base64": "AAAA", "mimetype": "not a type"},
        },
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["error"]["details"]["fields"] == [
        {"field": "media.mimetype", "message": "must be a mimetype such as image/jpeg"}
    ]


async def test_not_a_number_latitude_rejected(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/location",
        content=b'{"sessionId": "bot", "to": "15550100002", "latitude": NaN, '
        b'"longitude": 1}',
        headers={"Content-Type": "application/json"},
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    field = error["error"]["details"]["fields"][0]
    assert field["field"] == "latitude"
    assert "finite" in field["message"]
    assert await nothing_sent(infra)


async def test_bad_session_id_explained(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/sessions", json={"id": "Shop!"})

    error = assert_error(response, 400, "VALIDATION_ERROR")
    message = error["error"]["details"]["fields"][0]["message"]
    assert message.startswith("must be 1 to 64 lowercase letters, digits")
    assert "^" not in message

"""Every response, errors included, is in the envelope, and every /v1 route needs auth."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.integration.api.helpers import assert_error


async def test_unknown_route_in_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert_error(response, 404, "NOT_FOUND")


async def test_wrong_method_in_envelope(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/sessions")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


async def test_request_id_generated_and_echoed(client: httpx.AsyncClient) -> None:
    generated = await client.get("/health")
    echoed = await client.get("/health", headers={"X-Request-Id": "abc-123"})

    assert generated.headers["x-request-id"].startswith("req_")
    assert echoed.headers["x-request-id"] == "abc-123"


async def test_missing_key_unauthorized(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/sessions")

    assert_error(response, 401, "UNAUTHORIZED")


async def test_wrong_key_unauthorized(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/sessions", headers={"X-API-Key": "wsk_wrong"})

    assert_error(response, 401, "UNAUTHORIZED")


async def test_bad_input_without_key_unauthorized(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/v1/messages/text", content=b"{not json")

    assert response.status_code in (400, 401)


async def test_every_v1_route_needs_key(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    schema = (await anonymous.get("/openapi.json")).json()
    checked = 0

    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        concrete = path.replace("{", "").replace("}", "")
        for method in operations:
            response = await anonymous.request(method.upper(), concrete, json={})

            assert response.status_code == 401, f"{method} {path}"
            checked += 1

    assert checked >= 15


async def test_health_needs_no_key(anonymous: httpx.AsyncClient) -> None:
    health = await anonymous.get("/health")
    ready = await anonymous.get("/health/ready")
    metrics = await anonymous.get("/metrics")

    assert health.json() == {"success": True, "data": {"status": "ok"}}
    assert ready.status_code == 200
    assert ready.json()["data"]["checks"] == {"nats": "ok", "mongodb": "ok"}
    assert "wagate_http_requests_total" in metrics.text


async def test_docs_served(anonymous: httpx.AsyncClient) -> None:
    docs = await anonymous.get("/docs")
    schema = await anonymous.get("/openapi.json")

    assert docs.status_code == 200
    assert "X-API-Key" in schema.text
    assert "/v1/messages/text" in schema.json()["paths"]


async def test_oversized_body_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/sessions",
        content=b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_sandbox_unreachable_is_not_ready(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "sb", "driver": "sandbox"})

    response = await client.post("/v1/sandbox/sessions/sb/drop")

    assert_error(response, 503, "NOT_READY")


async def test_sandbox_route_refuses_whatsapp_session(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "real", "driver": "whatsapp"})

    response = await client.post("/v1/sandbox/sessions/real/drop")

    assert_error(response, 409, "SANDBOX_CONFLICT")

"""GET /v1/events streams events as Server-Sent Events, resumable by sequence."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from tests.integration.api.keys import create_key
from tests.integration.dispatcher.support import publish_event
from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import EventType

READ_SECONDS = 10.0


@pytest.fixture
async def api_url(api_settings: ApiSettings, infra: Infrastructure) -> AsyncIterator[str]:
    # A real server, because httpx's ASGI transport returns a response only
    # once the app has finished it, and an event stream never finishes.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(api_settings, infra), log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def read_events(lines: AsyncIterator[str], count: int) -> list[dict[str, Any]]:
    """Read ``count`` events: each its SSE id, event name and data."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with asyncio.timeout(READ_SECONDS):
        async for line in lines:
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    events.append(current)
                    current = {}
                if len(events) == count:
                    return events
                continue
            name, _, value = line.partition(": ")
            current[name] = json.loads(value) if name == "data" else value
    return events


async def test_stream_filters_and_resumes(
    api_url: str, api_settings: ApiSettings, infra: Infrastructure
) -> None:
    headers = {"X-API-Key": api_settings.admin_api_key or ""}
    params = {"sessionId": "s1", "types": "message.received,message.sent"}
    async with (
        httpx.AsyncClient(base_url=api_url, headers=headers) as client,
        client.stream("GET", "/v1/events", params=params) as response,
    ):
        lines = response.aiter_lines()
        await anext(lines)  # the stream is open
        first, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
        await publish_event(infra.js, "s2", EventType.MESSAGE_RECEIVED)
        await publish_event(infra.js, "s1", EventType.SESSION_STATUS)
        second, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_SENT)
        streamed = await read_events(lines, 2)
    third, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    resume_headers = {"Last-Event-ID": streamed[0]["id"]}
    async with (
        httpx.AsyncClient(base_url=api_url, headers=headers) as client,
        client.stream(
            "GET", "/v1/events", params=params, headers=resume_headers
        ) as resumed,
    ):
        replayed = await read_events(resumed.aiter_lines(), 2)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert [event["data"]["id"] for event in streamed] == [first.id, second.id]
    assert [event["event"] for event in streamed] == ["message.received", "message.sent"]
    assert [event["data"]["id"] for event in replayed] == [second.id, third.id]


async def test_stream_rejects_bad_last_event_id(
    api_url: str, api_settings: ApiSettings
) -> None:
    headers = {"X-API-Key": api_settings.admin_api_key or "", "Last-Event-ID": "evt_x"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:
        response = await client.get("/v1/events")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_stream_rejects_unknown_type(
    api_url: str, api_settings: ApiSettings
) -> None:
    headers = {"X-API-Key": api_settings.admin_api_key or ""}
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:
        response = await client.get(
            "/v1/events", params={"types": "message.received,message.recieved"}
        )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "'message.recieved'" in error["message"]


async def test_stream_keeps_to_key_sessions(
    api_url: str, api_settings: ApiSettings, infra: Infrastructure
) -> None:
    admin_headers = {"X-API-Key": api_settings.admin_api_key or ""}
    async with httpx.AsyncClient(base_url=api_url, headers=admin_headers) as admin:
        await admin.post("/v1/sessions", json={"id": "s1", "driver": "sandbox"})
        key = await create_key(admin, scopes=["sessions"], sessionIds=["s1"])
    headers = {"X-API-Key": key["key"]}
    async with (
        httpx.AsyncClient(base_url=api_url, headers=headers) as client,
        client.stream("GET", "/v1/events") as response,
    ):
        lines = response.aiter_lines()
        await anext(lines)
        await publish_event(infra.js, "s2", EventType.MESSAGE_RECEIVED)
        own, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
        [streamed] = await read_events(lines, 1)
        other = await client.get("/v1/events", params={"sessionId": "s2"})

    assert streamed["data"]["id"] == own.id
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "SESSION_NOT_FOUND"

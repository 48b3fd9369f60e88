"""The api's sandbox routes on top of the real sandbox service and a driver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.sandbox.conftest import DeviceFactory
from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_common.settings import WagateSettings
from wagate_worker.drivers.base import Connected, MessageReceived, QrChanged


@pytest.fixture
async def client(
    settings: WagateSettings, infra: Infrastructure
) -> AsyncIterator[httpx.AsyncClient]:
    api_settings = ApiSettings(**settings.model_dump(), request_timeout_seconds=2.0)
    app = create_app(api_settings, infra)
    headers = {"X-API-Key": api_settings.admin_api_key or ""}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://api.test",
            headers=headers,
        ) as http,
    ):
        yield http


async def test_routes_pair_write_and_list(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    await client.post("/v1/sessions", json={"id": "shop", "driver": "sandbox"})
    device = make_device("shop")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    paired = await client.post(
        "/v1/sandbox/pair", json={"sessionId": "shop", "phone": "+1 555 010 0001"}
    )
    await device.listener.wait_for(Connected)
    written = await client.post(
        "/v1/sandbox/messages",
        json={"sessionId": "shop", "from": "+1 555 010 0002", "text": "hello"},
    )
    received = await device.listener.wait_for(MessageReceived)
    await device.driver.send_text("msg_1", "15550100002", TextContent(text="hi back"))
    inbox = await client.get("/v1/sandbox/inbox/+15550100002")

    assert paired.status_code == 200, paired.text
    assert paired.json()["data"]["me"]["jid"] == "15550100001@s.whatsapp.net"
    assert written.status_code == 200, written.text
    assert received.text == "hello"
    assert inbox.status_code == 200, inbox.text
    assert [item["text"] for item in inbox.json()["data"]["messages"]] == ["hi back"]


async def test_route_pair_refused_when_not_pairing(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    await client.post("/v1/sessions", json={"id": "idle", "driver": "sandbox"})

    response = await client.post(
        "/v1/sandbox/pair", json={"sessionId": "idle", "phone": "15550100001"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "SANDBOX_CONFLICT"


async def test_route_group_created_with_session(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    await client.post("/v1/sessions", json={"id": "team", "driver": "sandbox"})
    device = make_device("team")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)
    await client.post(
        "/v1/sandbox/pair", json={"sessionId": "team", "phone": "15550100001"}
    )
    await device.listener.wait_for(Connected)

    created = await client.post(
        "/v1/sandbox/groups",
        json={
            "sessionId": "team",
            "subject": "Ops",
            "participants": ["+1 555 010 0002", "+1 555 010 0003"],
        },
    )

    assert created.status_code == 201, created.text
    group = created.json()["data"]
    assert group["id"].endswith("@g.us")
    assert group["subject"] == "Ops"
    assert group["owner"] == "15550100002@s.whatsapp.net"
    assert "15550100001@s.whatsapp.net" in group["participants"]


async def test_route_group_rejects_bad_phone(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "team2", "driver": "sandbox"})

    response = await client.post(
        "/v1/sandbox/groups",
        json={"sessionId": "team2", "subject": "Ops", "participants": ["nobody"]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"

"""An unreachable database returns 503 NOT_READY, not a bare 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.integration.api.helpers import assert_error
from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.embedded import free_port
from wagate_common.infrastructure import Infrastructure


@pytest.fixture
async def broken_client(
    api_settings: ApiSettings, infra: Infrastructure
) -> AsyncIterator[httpx.AsyncClient]:
    dead: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}/?directConnection=true",
        serverSelectionTimeoutMS=300,
        tz_aware=True,
    )
    broken = Infrastructure(nats=infra.nats, js=infra.js, mongo=dead, db=dead["wagate"])
    app = create_app(api_settings, broken)
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
    await dead.close()


async def test_database_down_is_not_ready(broken_client: httpx.AsyncClient) -> None:
    response = await broken_client.get("/v1/sessions")

    assert_error(response, 503, "NOT_READY")


async def test_readiness_names_the_database(broken_client: httpx.AsyncClient) -> None:
    response = await broken_client.get("/health/ready")

    body = assert_error(response, 503, "NOT_READY")
    assert body["error"]["details"]["checks"]["nats"] == "ok"
    assert body["error"]["details"]["checks"]["mongodb"] != "ok"

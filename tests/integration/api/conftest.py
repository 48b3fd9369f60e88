"""An api app on the test servers, called in-process through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import WagateSettings


@pytest.fixture
def api_settings(settings: WagateSettings) -> ApiSettings:
    return ApiSettings(**settings.model_dump(), request_timeout_seconds=1.0)


@pytest.fixture
async def app(api_settings: ApiSettings, infra: Infrastructure) -> AsyncIterator[FastAPI]:
    application = create_app(api_settings, infra)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(
    app: FastAPI, api_settings: ApiSettings
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": api_settings.admin_api_key or ""}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://api.test", headers=headers
    ) as http:
        yield http


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http

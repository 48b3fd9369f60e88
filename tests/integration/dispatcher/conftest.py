"""Fixtures of the dispatcher's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.integration.dispatcher.support import Receiver
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import WagateSettings
from wagate_dispatcher.service import DispatcherService
from wagate_dispatcher.settings import DispatcherSettings

StartDispatcher = Callable[[], Awaitable[DispatcherService]]


@pytest.fixture
def dispatcher_settings(settings: WagateSettings) -> DispatcherSettings:
    # The long refresh interval leaves change notices as the only way a new
    # webhook reaches a running dispatcher. The receivers listen on loopback,
    # so private addresses are allowed. A failed delivery is retried once, a
    # minute later: after the end of a test unless the test shortens it.
    return DispatcherSettings(
        **{**settings.model_dump(), "webhook_allow_private": True},
        webhook_retry_schedule=(60.0,),
        webhook_timeout_seconds=2.0,
        webhook_cache_refresh_seconds=3600.0,
        fetch_wait_seconds=0.1,
        shutdown_grace_seconds=0.5,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def start_dispatcher(
    dispatcher_settings: DispatcherSettings, infra: Infrastructure
) -> AsyncIterator[StartDispatcher]:
    """Start dispatchers on demand, after the test has stored its webhooks."""
    started: list[DispatcherService] = []

    async def start() -> DispatcherService:
        service = DispatcherService(dispatcher_settings, infra)
        await service.start()
        started.append(service)
        return service

    yield start
    for service in started:
        await service.stop()

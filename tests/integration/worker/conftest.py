"""Workers in the test process, on the test servers, with a scripted network."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.integration.worker.http_server import LoopbackServer
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import wait_until
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.sessions import Driver
from wagate_common.settings import WagateSettings
from wagate_worker.app import WorkerService
from wagate_worker.drivers.registry import DriverRegistry, reject_whatsapp_driver
from wagate_worker.settings import WorkerSettings

# Timers short enough for tests; the lease TTL itself stays at 10 s.
TEST_TIMERS: dict[str, Any] = {
    "lease_renew_seconds": 0.1,
    "reconnect_base_seconds": 0.05,
    "reconnect_max_seconds": 0.2,
    "reconnect_jitter": 0.0,
    "send_retry_base_seconds": 0.05,
    "send_retry_max_seconds": 0.1,
    "fetch_wait_seconds": 0.1,
    "driver_stop_seconds": 1.0,
    "shutdown_grace_seconds": 5.0,
}

WorkerFactory = Callable[..., Awaitable[WorkerService]]


@pytest.fixture
def network() -> ScriptedNetwork:
    return ScriptedNetwork()


@pytest.fixture
async def http_server() -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def worker_settings(settings: WagateSettings) -> WorkerSettings:
    return WorkerSettings(**settings.model_dump(), worker_id="worker-a", **TEST_TIMERS)


@pytest.fixture
async def start_worker(
    worker_settings: WorkerSettings, infra: Infrastructure, network: ScriptedNetwork
) -> AsyncIterator[WorkerFactory]:
    """Start workers on demand; each keyword overrides one of the worker's settings.

    With ``claim_all`` the factory returns once the worker runs every shard.
    """
    started: list[WorkerService] = []
    drivers = DriverRegistry(
        {
            Driver.SANDBOX.value: network.create_driver,
            Driver.WHATSAPP.value: reject_whatsapp_driver,
        }
    )

    async def start(claim_all: bool = True, **overrides: Any) -> WorkerService:
        settings = worker_settings.model_copy(update=overrides)
        service = WorkerService(settings, infra, drivers=drivers)
        await service.start()
        started.append(service)
        if claim_all:
            await wait_until(lambda: len(service.shards.active) == settings.shards)
        return service

    yield start
    for service in reversed(started):
        if service.shards.is_running:
            await service.stop()

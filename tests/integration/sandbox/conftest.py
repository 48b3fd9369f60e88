"""The sandbox service in-process and sandbox drivers on the test servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.integration.sandbox.support import Device, RecordingListener
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import WagateSettings
from wagate_common.storage.auth import AuthStore
from wagate_sandbox.app import SandboxService
from wagate_sandbox.settings import SandboxSettings
from wagate_worker.drivers.sandbox import SandboxDriver

# Timers short enough for tests; a QR code still stays valid long enough to pair.
TEST_TIMERS: dict[str, Any] = {
    "qr_seconds": 2.0,
    "qr_rotations": 2,
    "push_timeout_seconds": 0.5,
    "shutdown_grace_seconds": 1.0,
}

SandboxFactory = Callable[..., Awaitable[SandboxService]]
DeviceFactory = Callable[[str], Device]


@pytest.fixture
async def start_sandbox(
    settings: WagateSettings, infra: Infrastructure
) -> AsyncIterator[SandboxFactory]:
    """Start sandbox services with the test timers, overridable by keyword."""
    started: list[SandboxService] = []

    async def start(**overrides: Any) -> SandboxService:
        sandbox_settings = SandboxSettings(
            **{**settings.model_dump(), **TEST_TIMERS, **overrides}
        )
        service = SandboxService(sandbox_settings, infra)
        await service.start()
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        if service.is_running:
            await service.stop()


@pytest.fixture
async def sandbox(start_sandbox: SandboxFactory) -> SandboxService:
    return await start_sandbox()


@pytest.fixture
async def make_device(
    infra: Infrastructure, sandbox: SandboxService
) -> AsyncIterator[DeviceFactory]:
    """Build sandbox drivers with recording listeners; each is logged off at the end."""
    devices: list[Device] = []

    def make(session_id: str) -> Device:
        listener = RecordingListener()
        driver = SandboxDriver(
            session_id,
            infra.nats,
            AuthStore(infra.db),
            listener,
            request_timeout_seconds=2.0,
        )
        device = Device(session_id, driver, listener)
        devices.append(device)
        return device

    yield make
    for device in devices:
        await device.driver.disconnect()

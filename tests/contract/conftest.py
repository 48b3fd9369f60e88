"""The driver contract suite's harness fixture: each test runs once per driver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.harness import DriverHarness
from tests.contract.sandbox_harness import SandboxHarness
from tests.contract.whatsapp_harness import WhatsAppHarness
from tests.integration.sandbox.conftest import TEST_TIMERS
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import WagateSettings
from wagate_common.storage.auth import AuthStore
from wagate_sandbox.app import SandboxService
from wagate_sandbox.settings import SandboxSettings


@pytest.fixture(params=["sandbox", "whatsapp-offline"])
async def harness(
    request: pytest.FixtureRequest,
    settings: WagateSettings,
    infra: Infrastructure,
    tmp_path: Path,
) -> AsyncIterator[DriverHarness]:
    """A driver with a recording listener and the network side that answers it."""
    auth = AuthStore(infra.db)
    if request.param == "whatsapp-offline":
        whatsapp = WhatsAppHarness(tmp_path / "data", auth)
        yield whatsapp
        await whatsapp.close()
        return

    sandbox_settings = SandboxSettings(**{**settings.model_dump(), **TEST_TIMERS})
    service = SandboxService(sandbox_settings, infra)
    await service.start()
    sandbox = SandboxHarness(infra, auth)
    try:
        yield sandbox
        await sandbox.close()
    finally:
        await service.stop()

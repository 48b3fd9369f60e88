"""The WhatsApp driver harness as a fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.worker.whatsapp.fakes import Harness


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path)
    yield harness
    harness.go.stopped.set()
    await harness.driver.disconnect()

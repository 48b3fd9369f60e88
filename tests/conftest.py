"""Fixtures that start real servers on free loopback ports.

SecantusDB runs once per test session (each test gets its own database);
nats-server runs once per test, so streams and consumers never leak between
tests.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from wagate_common.embedded import (
    free_port,
    mongo_command,
    mongo_url,
    nats_command,
    stop_process,
    wait_for_port,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import Environment, WagateSettings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path)
        if "/integration/" in path:
            item.add_marker(pytest.mark.integration)
        elif "/e2e/" in path:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def mongo_server_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(mongo_command(port, None))
    wait_for_port(port, process, timeout=30)
    yield mongo_url(port)
    stop_process(process)


@pytest.fixture
def nats_server_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        nats_command(port, tmp_path / "jetstream"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process, timeout=15)
    yield f"nats://127.0.0.1:{port}"
    stop_process(process)


@pytest.fixture
def settings(nats_server_url: str, mongo_server_url: str) -> WagateSettings:
    return WagateSettings(
        env=Environment.PRODUCTION,
        nats_url=nats_server_url,
        mongo_url=mongo_server_url,
        mongo_db=f"test_{uuid.uuid4().hex[:12]}",
        admin_api_key="wsk_test_admin_key_0123456789abcdefghijkl",
        sandbox_enabled=True,
        shards=8,
    )


@pytest.fixture
async def infra(settings: WagateSettings) -> AsyncIterator[Infrastructure]:
    opened = await Infrastructure.open(settings, "tests")
    yield opened
    await opened.mongo.drop_database(settings.mongo_db)
    await opened.close()

"""Choosing a session's driver by name."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from nats.aio.client import Client

from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import DriverEvent, DriverListener
from wagate_worker.drivers.registry import (
    WHATSAPP_UNAVAILABLE,
    DriverUnavailableError,
    default_driver_registry,
)
from wagate_worker.drivers.sandbox import SandboxDriver
from wagate_worker.settings import WorkerSettings


class IgnoringListener:
    async def on_driver_event(self, event: DriverEvent) -> None:
        pass


def create(name: str) -> object:
    registry = default_driver_registry()
    # Creating a driver connects nothing, so stand-ins for the connections do.
    return registry.create(
        name,
        "s1",
        cast(Client, object()),
        cast(AuthStore, object()),
        cast(DriverListener, IgnoringListener()),
    )


def test_sandbox_driver_created() -> None:
    assert isinstance(create("sandbox"), SandboxDriver)


def test_whatsapp_driver_unavailable() -> None:
    with pytest.raises(DriverUnavailableError) as raised:
        create("whatsapp")

    assert raised.value.reason == WHATSAPP_UNAVAILABLE
    assert raised.value.driver == "whatsapp"


def test_unknown_driver_rejected() -> None:
    with pytest.raises(DriverUnavailableError, match="unknown driver 'telegram'"):
        create("telegram")


def test_whatsapp_driver_created_with_settings(tmp_path: Path) -> None:
    from wagate_worker.drivers.whatsapp import WhatsAppDriver

    settings = WorkerSettings(data_dir=tmp_path)
    registry = default_driver_registry(settings)

    driver = registry.create(
        "whatsapp",
        "s1",
        cast(Client, object()),
        cast(AuthStore, object()),
        cast(DriverListener, IgnoringListener()),
    )

    assert isinstance(driver, WhatsAppDriver)
    assert driver.store_path == tmp_path / "whatsapp" / "s1.sqlite"

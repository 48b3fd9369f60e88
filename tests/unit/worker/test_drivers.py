"""Choosing a session's driver by name."""

from __future__ import annotations

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

"""Running a service process until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Protocol

from wagate_common.infrastructure import Infrastructure
from wagate_common.probes import serve_probes
from wagate_common.settings import WagateSettings

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Service(Protocol):
    """A long-running component of a process, started and stopped once."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def readiness(self) -> dict[str, str]: ...


async def run_service(
    settings: WagateSettings,
    connection_name: str,
    probe: tuple[str, int],
    build: Callable[[Infrastructure], Service],
) -> None:
    """Connect, start the service and its probe server, and stop both on a signal.

    Args:
        settings: The process's settings.
        connection_name: The name the process shows to NATS.
        probe: Host and port of the ``/health``, ``/health/ready`` and
            ``/metrics`` server.
        build: Creates the service on the open connections.
    """
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    # Installed before anything starts, so a signal during start-up also ends
    # in the orderly shutdown below.
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, stop_requested.set)
    try:
        await _run(settings, connection_name, probe, build, stop_requested)
    finally:
        for stop_signal in STOP_SIGNALS:
            loop.remove_signal_handler(stop_signal)


async def _run(
    settings: WagateSettings,
    connection_name: str,
    probe: tuple[str, int],
    build: Callable[[Infrastructure], Service],
    stop_requested: asyncio.Event,
) -> None:
    infra = await Infrastructure.open(settings, connection_name)
    service = build(infra)
    probes = await serve_probes(probe[0], probe[1], service.readiness)
    try:
        await service.start()
        await stop_requested.wait()

        logger.info("stop signal received", extra={"connection_name": connection_name})
        await service.stop()
    finally:
        await probes.stop()
        await infra.close()

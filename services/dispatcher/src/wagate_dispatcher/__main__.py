"""Run the dispatcher: ``python -m wagate_dispatcher``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from wagate_common.infrastructure import Infrastructure
from wagate_common.logs import configure_logging
from wagate_common.probes import serve_probes
from wagate_dispatcher.service import DispatcherService
from wagate_dispatcher.settings import DispatcherSettings, get_dispatcher_settings

logger = logging.getLogger("wagate_dispatcher")

CONNECTION_NAME = "wagate-dispatcher"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run(settings: DispatcherSettings) -> None:
    """Run the dispatcher and its probe server until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    # Installed before anything starts, so a signal during start-up also ends
    # in the orderly shutdown below.
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, stop_requested.set)
    try:
        await _serve(settings, stop_requested)
    finally:
        for stop_signal in STOP_SIGNALS:
            loop.remove_signal_handler(stop_signal)


async def _serve(settings: DispatcherSettings, stop_requested: asyncio.Event) -> None:
    infra = await Infrastructure.open(settings, CONNECTION_NAME)
    service = DispatcherService(settings, infra)
    probes = await serve_probes(
        settings.probe_host, settings.probe_port, service.readiness
    )
    try:
        await service.start()
        await stop_requested.wait()

        logger.info("stop signal received")
        await service.stop()
    finally:
        probes.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await probes
        await infra.close()


def main() -> None:
    """Read the settings, set up logging and run until stopped."""
    settings = get_dispatcher_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()

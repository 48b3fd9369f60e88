"""Run the sandbox: ``python -m wagate_sandbox``."""

from __future__ import annotations

import asyncio
import logging
import signal

from wagate_common.infrastructure import Infrastructure
from wagate_common.logs import configure_logging
from wagate_common.probes import serve_probes
from wagate_sandbox.app import SandboxService
from wagate_sandbox.settings import SandboxSettings, get_sandbox_settings

logger = logging.getLogger("wagate_sandbox")

CONNECTION_NAME = "wagate-sandbox"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run(settings: SandboxSettings) -> None:
    """Run the sandbox and its probe server until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    # The probe server (uvicorn) raises these signals again when it exits. Our
    # handlers stay installed until it has exited, so that second signal cannot
    # kill the process halfway through the shutdown.
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, stop_requested.set)
    try:
        await _serve(settings, stop_requested)
    finally:
        for stop_signal in STOP_SIGNALS:
            loop.remove_signal_handler(stop_signal)


async def _serve(settings: SandboxSettings, stop_requested: asyncio.Event) -> None:
    infra = await Infrastructure.open(settings, CONNECTION_NAME)
    service = SandboxService(settings, infra)
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
        await asyncio.wait({probes})
        await infra.close()


def main() -> None:
    """Read the settings, set up logging and run until stopped."""
    settings = get_sandbox_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()

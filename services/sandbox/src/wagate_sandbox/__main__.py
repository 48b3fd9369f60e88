"""Run the sandbox: ``python -m wagate_sandbox``."""

from __future__ import annotations

import asyncio

from wagate_common.logs import configure_logging
from wagate_common.runner import run_service
from wagate_sandbox.app import SandboxService
from wagate_sandbox.settings import SandboxSettings, get_sandbox_settings


async def run(settings: SandboxSettings) -> None:
    """Run the sandbox and its probe server until SIGTERM or SIGINT."""
    await run_service(
        settings,
        "wagate-sandbox",
        (settings.probe_host, settings.probe_port),
        lambda infra: SandboxService(settings, infra),
    )


def main() -> None:
    """Read the settings, set up logging and run until stopped."""
    settings = get_sandbox_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()

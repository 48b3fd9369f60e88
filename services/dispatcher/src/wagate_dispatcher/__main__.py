"""Run the dispatcher: ``python -m wagate_dispatcher``."""

from __future__ import annotations

import asyncio

from wagate_common.logs import configure_logging
from wagate_common.runner import run_service
from wagate_dispatcher.service import DispatcherService
from wagate_dispatcher.settings import DispatcherSettings, get_dispatcher_settings


async def run(settings: DispatcherSettings) -> None:
    """Run the dispatcher and its probe server until SIGTERM or SIGINT."""
    await run_service(
        settings,
        "wagate-dispatcher",
        (settings.probe_host, settings.probe_port),
        lambda infra: DispatcherService(settings, infra),
    )


def main() -> None:
    """Read the settings, set up logging and run until stopped."""
    settings = get_dispatcher_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()

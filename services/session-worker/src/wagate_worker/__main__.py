"""Run the worker: ``python -m wagate_worker``."""

from __future__ import annotations

import asyncio

from wagate_common.logs import configure_logging
from wagate_common.runner import run_service
from wagate_worker.app import WorkerService
from wagate_worker.settings import WorkerSettings, get_worker_settings


async def run(settings: WorkerSettings) -> None:
    """Run the worker and its probe server until SIGTERM or SIGINT."""
    await run_service(
        settings,
        f"wagate-worker-{settings.worker_id}",
        (settings.probe_host, settings.probe_port),
        lambda infra: WorkerService(settings, infra),
    )


def main() -> None:
    """Read the settings, set up logging and run until stopped."""
    settings = get_worker_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()

"""``python -m wagate_dispatcher`` serves probes, delivers, and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.integration.dispatcher.support import (
    WAIT_SECONDS,
    Receiver,
    create_webhook,
    publish_event,
)
from tests.probes import wait_until_ready
from wagate_common.embedded import child_environment, free_port
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import EventType
from wagate_common.settings import WagateSettings


async def test_module_runs_until_sigterm(
    settings: WagateSettings, infra: Infrastructure, receiver: Receiver, tmp_path: Path
) -> None:
    await create_webhook(infra, receiver.url("/ok/a"))
    probe_port = free_port()
    environment = child_environment(
        {
            "WAGATE_NATS_URL": settings.nats_url,
            "WAGATE_MONGO_URL": settings.mongo_url,
            "WAGATE_MONGO_DB": settings.mongo_db,
            "WAGATE_DISPATCHER_PROBE_PORT": str(probe_port),
            "WAGATE_LOG_FORMAT": "json",
            "WAGATE_DISPATCHER_FETCH_WAIT_SECONDS": "0.1",
            "WAGATE_WEBHOOK_ALLOW_PRIVATE": "true",
        }
    )
    log_path = tmp_path / "dispatcher.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wagate_dispatcher", env=environment, stderr=log
        )
        try:
            await wait_until_ready(
                f"http://127.0.0.1:{probe_port}/health/ready", WAIT_SECONDS * 2
            )
            event, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
            [request] = await receiver.wait_for("/ok/a")

            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(WAIT_SECONDS):
                returncode = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    logs = log_path.read_text()
    assert request.headers["webhook-id"] == event.id
    assert returncode == 0, logs
    assert "dispatcher stopped" in logs
    assert request.headers["webhook-signature"] not in logs

"""``python -m wagate_sandbox`` serves probes, handles requests and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.integration.sandbox.support import WAIT_SECONDS, ask_api
from tests.probes import wait_until_ready
from wagate_common.embedded import child_environment, free_port
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import WagateSettings


async def test_module_runs_until_sigterm(
    settings: WagateSettings, infra: Infrastructure, tmp_path: Path
) -> None:
    probe_port = free_port()
    environment = child_environment(
        {
            "WAGATE_NATS_URL": settings.nats_url,
            "WAGATE_MONGO_URL": settings.mongo_url,
            "WAGATE_MONGO_DB": settings.mongo_db,
            "WAGATE_SANDBOX_PROBE_PORT": str(probe_port),
            "WAGATE_LOG_FORMAT": "json",
        }
    )
    log_path = tmp_path / "sandbox.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wagate_sandbox", env=environment, stderr=log
        )
        try:
            await wait_until_ready(
                f"http://127.0.0.1:{probe_port}/health/ready", WAIT_SECONDS * 2
            )
            reply = await ask_api(infra.nats, "inbox", {"phone": "15550100002"})

            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(WAIT_SECONDS * 2):
                returncode = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    logs = log_path.read_text()
    assert reply.ok, reply.error
    assert reply.data["messages"] == []
    assert returncode == 0, logs
    assert "sandbox stopped" in logs
    assert "15550100002" not in logs

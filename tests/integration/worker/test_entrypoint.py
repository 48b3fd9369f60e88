"""``python -m wagate_worker`` claims shards, serves probes, and releases on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import httpx

from tests.integration.worker.support import SHARDS, WAIT_SECONDS, wait_until
from tests.probes import wait_until_ready
from wagate_common.broker import subjects
from wagate_common.embedded import child_environment, free_port
from wagate_common.infrastructure import Infrastructure
from wagate_common.settings import WagateSettings


async def lease_count(infra: Infrastructure, owner: bytes) -> int:
    bucket = await infra.js.key_value(subjects.SHARD_LEASES_BUCKET)
    count = 0
    for shard in range(SHARDS):
        try:
            entry = await bucket.get(subjects.shard_lease_key(shard))
        except Exception:
            continue
        count += entry.value == owner
    return count


async def test_module_releases_shards_on_sigterm(
    settings: WagateSettings, infra: Infrastructure, tmp_path: Path
) -> None:
    probe_port = free_port()
    environment = child_environment(
        {
            "WAGATE_NATS_URL": settings.nats_url,
            "WAGATE_MONGO_URL": settings.mongo_url,
            "WAGATE_MONGO_DB": settings.mongo_db,
            "WAGATE_SHARDS": str(SHARDS),
            "WAGATE_WORKER_ID": "process-worker",
            "WAGATE_WORKER_PROBE_PORT": str(probe_port),
            "WAGATE_WORKER_LEASE_RENEW_SECONDS": "0.2",
            "WAGATE_WORKER_FETCH_WAIT_SECONDS": "0.1",
            "WAGATE_LOG_FORMAT": "json",
        }
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wagate_worker", env=environment, stderr=log
        )
        try:
            await wait_until_ready(
                f"http://127.0.0.1:{probe_port}/health/ready", WAIT_SECONDS * 2
            )
            await wait_until(lambda: _all_leased(infra))
            async with httpx.AsyncClient() as client:
                metrics = await client.get(f"http://127.0.0.1:{probe_port}/metrics")

            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(WAIT_SECONDS):
                returncode = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    logs = log_path.read_text()
    assert returncode == 0, logs
    assert "worker stopped" in logs
    assert f"wagate_worker_shard_leases {float(SHARDS)}" in metrics.text
    assert await lease_count(infra, b"process-worker") == 0


async def _all_leased(infra: Infrastructure) -> bool:
    return await lease_count(infra, b"process-worker") == SHARDS

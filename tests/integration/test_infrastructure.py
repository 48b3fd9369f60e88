"""The broker and database come up with every stream, bucket and index."""

from __future__ import annotations

from wagate_common.broker import subjects
from wagate_common.broker.connection import ensure_streams
from wagate_common.infrastructure import Infrastructure


async def test_streams_created_idempotently(infra: Infrastructure) -> None:
    await ensure_streams(infra.js)

    names = {info.config.name for info in await infra.js.streams_info()}

    assert subjects.COMMANDS_STREAM in names
    assert subjects.EVENTS_STREAM in names
    assert subjects.DELIVERIES_STREAM in names
    assert subjects.FAILED_STREAM in names


async def test_lease_bucket_rejects_second_create(infra: Infrastructure) -> None:
    leases = await infra.js.key_value(subjects.SHARD_LEASES_BUCKET)
    await leases.create("shard-0", b"worker-a")

    try:
        await leases.create("shard-0", b"worker-b")
        taken_twice = True
    except Exception:
        taken_twice = False

    assert not taken_twice
    assert (await leases.get("shard-0")).value == b"worker-a"


async def test_readiness_reports_both_servers(infra: Infrastructure) -> None:
    checks = await infra.readiness()

    assert checks == {"nats": "ok", "mongodb": "ok"}

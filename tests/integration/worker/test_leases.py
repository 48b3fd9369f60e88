"""Shard leases: claiming, sharing among workers, handing over, losing."""

from __future__ import annotations

from nats.js.errors import KeyNotFoundError

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    SHARDS,
    create_session,
    session_record,
    wait_for_record,
    wait_for_status,
    wait_until,
)
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.shards import shard_of
from wagate_common.storage.auth import AuthStore

ALL_SHARDS = frozenset(range(SHARDS))


async def lease_owners(infra: Infrastructure) -> dict[int, str]:
    bucket = await infra.js.key_value(subjects.SHARD_LEASES_BUCKET)
    owners: dict[int, str] = {}
    for shard in range(SHARDS):
        try:
            entry = await bucket.get(subjects.shard_lease_key(shard))
        except KeyNotFoundError:
            continue
        owners[shard] = (entry.value or b"").decode()
    return owners


async def test_single_worker_claims_every_shard(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    worker = await start_worker(claim_all=False)

    await wait_until(lambda: worker.shards.active == ALL_SHARDS)

    owners = await lease_owners(infra)
    assert owners == dict.fromkeys(ALL_SHARDS, "worker-a")


async def test_joining_worker_takes_half_the_shards(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    first = await start_worker()
    await wait_until(lambda: first.shards.active == ALL_SHARDS)

    second = await start_worker(claim_all=False, worker_id="worker-b")
    await wait_until(
        lambda: len(first.shards.held) == 4 and len(second.shards.active) == 4
    )

    assert first.shards.held.isdisjoint(second.shards.held)
    owners = await lease_owners(infra)
    assert sorted(owners.values()).count("worker-a") == 4
    assert sorted(owners.values()).count("worker-b") == 4


async def test_stopped_worker_hands_over_its_shards(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    first = await start_worker()
    second = await start_worker(claim_all=False, worker_id="worker-b")
    await wait_until(
        lambda: len(first.shards.active) == 4 and len(second.shards.active) == 4
    )

    await first.stop()
    await wait_until(lambda: second.shards.active == ALL_SHARDS)

    owners = await lease_owners(infra)
    assert owners == dict.fromkeys(ALL_SHARDS, "worker-b")


async def test_handover_moves_connected_session(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await AuthStore(infra.db).save("moving", b"15550100001")
    await create_session(infra, "moving", desired=DesiredStatus.CONNECTED)
    first = await start_worker()
    await wait_for_status(infra, "moving", "connected")
    second = await start_worker(claim_all=False, worker_id="worker-b")
    shard = shard_of("moving", SHARDS)

    await first.stop()
    await wait_until(lambda: shard in second.shards.active)
    await wait_for_record(infra, "moving", status="connected", worker="worker-b")

    assert second.sessions.get("moving") is not None


async def test_lost_lease_stops_shard_sessions(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("fenced", b"15550100001")
    await create_session(infra, "fenced", desired=DesiredStatus.CONNECTED)
    worker = await start_worker()
    await wait_for_status(infra, "fenced", "connected")
    shard = shard_of("fenced", SHARDS)

    # Another writer takes the lease, as a worker would after an expiry.
    bucket = await infra.js.key_value(subjects.SHARD_LEASES_BUCKET)
    await bucket.put(subjects.shard_lease_key(shard), b"thief")
    await wait_until(lambda: shard not in worker.shards.held)
    await wait_until(lambda: worker.sessions.get("fenced") is None)
    record = await session_record(infra, "fenced")

    assert network.drivers["fenced"].state == "idle"
    assert (await lease_owners(infra))[shard] == "thief"
    # The record is the next owner's to write, so the fenced worker leaves it.
    assert record["status"] == "connected"
    assert record["worker"] == "worker-a"

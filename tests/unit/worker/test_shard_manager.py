"""The lease manager against an in-memory lease store: shares, handover, fencing."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from wagate_worker.shards.leases import LeaseLostError
from wagate_worker.shards.manager import ShardManager

SHARDS = 6
WAIT_SECONDS = 5.0


@dataclass
class LeaseTable:
    """The shared buckets: lease owners with revisions, and live workers."""

    leases: dict[int, tuple[str, int]] = field(default_factory=dict)
    workers: set[str] = field(default_factory=set)
    revisions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class MemoryLeases:
    """One worker's view of a :class:`LeaseTable`; ``outage`` makes every call fail."""

    def __init__(self, table: LeaseTable, worker_key: str) -> None:
        self.table = table
        self.worker_key = worker_key
        self.outage = False

    def _check(self) -> None:
        if self.outage:
            raise ConnectionError("broker unreachable")

    async def claim(self, shard: int) -> int | None:
        self._check()
        if shard in self.table.leases:
            return None
        revision = next(self.table.revisions)
        self.table.leases[shard] = (self.worker_key, revision)
        return revision

    async def renew(self, shard: int, revision: int) -> int:
        self._check()
        if self.table.leases.get(shard) != (self.worker_key, revision):
            raise LeaseLostError(shard)
        new_revision = next(self.table.revisions)
        self.table.leases[shard] = (self.worker_key, new_revision)
        return new_revision

    async def release(self, shard: int, revision: int) -> None:
        self._check()
        if self.table.leases.get(shard) == (self.worker_key, revision):
            del self.table.leases[shard]

    async def leased_shards(self) -> set[int]:
        self._check()
        return set(self.table.leases)

    async def heartbeat(self) -> None:
        self._check()
        self.table.workers.add(self.worker_key)

    async def live_workers(self) -> set[str]:
        self._check()
        return set(self.table.workers)

    async def leave(self) -> None:
        self._check()
        self.table.workers.discard(self.worker_key)


@dataclass
class RecordingHost:
    """Records which shards run, and every stop with its kind."""

    running: set[int] = field(default_factory=set)
    stops: list[tuple[int, bool]] = field(default_factory=list)

    async def start_shard(self, shard: int) -> None:
        self.running.add(shard)

    async def stop_shard(self, shard: int, graceful: bool) -> None:
        self.stops.append((shard, graceful))
        self.running.discard(shard)


@dataclass
class Worker:
    leases: MemoryLeases
    host: RecordingHost
    manager: ShardManager


StartWorker = Callable[..., Awaitable[Worker]]


async def wait_until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        # The manager reports nothing to wait on; polling its state is the test.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


@pytest.fixture
async def start_worker() -> AsyncIterator[StartWorker]:
    table = LeaseTable()
    workers: list[Worker] = []

    async def start(name: str, lease_ttl: float = 10.0) -> Worker:
        leases = MemoryLeases(table, name)
        host = RecordingHost()
        manager = ShardManager(
            leases, host, shards=SHARDS, renew_interval=0.01, lease_ttl=lease_ttl
        )
        worker = Worker(leases, host, manager)
        workers.append(worker)
        await manager.start()
        return worker

    yield start
    for worker in workers:
        worker.leases.outage = False
        await worker.manager.stop(grace_seconds=1.0)


async def test_lone_worker_claims_every_shard(start_worker: StartWorker) -> None:
    worker = await start_worker("a")

    await wait_until(lambda: len(worker.manager.active) == SHARDS)

    assert worker.host.running == set(range(SHARDS))
    assert worker.leases.table.leases.keys() == set(range(SHARDS))


async def test_extras_released_when_worker_joins(
    start_worker: StartWorker,
) -> None:
    first = await start_worker("a")
    await wait_until(lambda: len(first.manager.active) == SHARDS)

    second = await start_worker("b")
    await wait_until(lambda: len(second.manager.active) == SHARDS // 2)

    assert len(first.manager.held) == SHARDS // 2
    assert first.host.running.isdisjoint(second.host.running)
    assert all(graceful for _, graceful in first.host.stops)


async def test_stop_releases_every_lease(start_worker: StartWorker) -> None:
    worker = await start_worker("a")
    await wait_until(lambda: len(worker.manager.active) == SHARDS)

    await worker.manager.stop(grace_seconds=1.0)

    assert worker.leases.table.leases == {}
    assert worker.leases.table.workers == set()
    assert sorted(worker.host.stops) == [(shard, True) for shard in range(SHARDS)]


async def test_lost_lease_stops_shard_at_once(
    start_worker: StartWorker,
) -> None:
    worker = await start_worker("a")
    await wait_until(lambda: len(worker.manager.active) == SHARDS)

    worker.leases.table.leases[2] = ("thief", 999)
    await wait_until(lambda: (2, False) in worker.host.stops)

    assert 2 not in worker.manager.held
    assert worker.leases.table.leases[2] == ("thief", 999)


async def test_renew_outage_stops_shards_after_half_ttl(
    start_worker: StartWorker,
) -> None:
    worker = await start_worker("a", lease_ttl=0.2)
    await wait_until(lambda: len(worker.manager.active) == SHARDS)
    started = asyncio.get_running_loop().time()

    worker.leases.outage = True
    await wait_until(lambda: not worker.host.running)
    elapsed = asyncio.get_running_loop().time() - started

    assert elapsed >= 0.1
    assert sorted(worker.host.stops) == [(shard, False) for shard in range(SHARDS)]
    assert worker.manager.held == frozenset()

"""Claiming, renewing and releasing shard leases, and balancing them among workers.

Every round (each ``renew_interval`` seconds) the manager:

1. writes this worker's heartbeat (unless it is stopping);
2. renews every lease it holds, and stops a shard at once when its lease is
   lost, or could not be renewed for half the lease TTL, because another
   worker may claim it once it expires;
3. deletes the leases of shards whose clean release finished;
4. counts the live workers and aims at ``ceil(shards / workers)`` leases,
   releasing extras cleanly (sessions first, then the lease) and claiming
   free leases up to that share.

Starting and releasing a shard run in their own tasks, so that a round does
not wait for sessions to start or stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeVar

from wagate_worker.metrics import SHARD_LEASES
from wagate_worker.shards.leases import LeaseLostError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Time limit of one key-value call. Renewals run every few seconds and the
# lease outlives a missed one, so a call slower than this counts as failed.
KV_CALL_TIMEOUT_SECONDS = 2.0


class LeaseBackend(Protocol):
    """The key-value operations the manager needs (``LeaseStore`` in production)."""

    worker_key: str

    async def claim(self, shard: int) -> int | None: ...

    async def renew(self, shard: int, revision: int) -> int: ...

    async def release(self, shard: int, revision: int) -> None: ...

    async def leased_shards(self) -> set[int]: ...

    async def heartbeat(self) -> None: ...

    async def live_workers(self) -> set[str]: ...

    async def leave(self) -> None: ...


class ShardHost(Protocol):
    """The runner of a shard's sessions and commands (``ShardRunner`` in production)."""

    async def start_shard(self, shard: int) -> None: ...

    async def stop_shard(self, shard: int, graceful: bool) -> None: ...


class Phase(Enum):
    """Lifecycle stage of the shard behind a held lease."""

    STARTING = "starting"
    ACTIVE = "active"
    RELEASING = "releasing"
    RELEASED = "released"  # sessions stopped; the lease is deleted next round


@dataclass
class HeldLease:
    """A lease this worker holds, at ``revision``, last renewed at ``renewed_at``."""

    shard: int
    revision: int
    renewed_at: float
    phase: Phase = Phase.STARTING
    task: asyncio.Task[None] | None = None


class ShardManager:
    """Keeps this worker's share of shard leases and runs their shards."""

    def __init__(
        self,
        backend: LeaseBackend,
        host: ShardHost,
        *,
        shards: int,
        renew_interval: float,
        lease_ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._host = host
        self._shards = shards
        self._interval = renew_interval
        self._lease_ttl = lease_ttl
        self._clock = clock
        self._held: dict[int, HeldLease] = {}
        self._fencing: dict[int, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._renew_failures = 0
        self._call_failures: dict[str, int] = {}

    @property
    def held(self) -> frozenset[int]:
        """The shards whose lease this worker holds, whatever their phase."""
        return frozenset(self._held)

    @property
    def active(self) -> frozenset[int]:
        """The shards started and not being released."""
        return frozenset(
            s for s, lease in self._held.items() if lease.phase is Phase.ACTIVE
        )

    @property
    def is_running(self) -> bool:
        """Whether the lease loop runs."""
        return self._loop_task is not None and not self._loop_task.done()

    async def start(self) -> None:
        """Start the lease loop; its first round runs at once."""
        self._stopping = False
        self._loop_task = asyncio.create_task(self._run(), name="shard-leases")

    async def stop(self, grace_seconds: float) -> None:
        """Release every shard cleanly, waiting up to ``grace_seconds``.

        The worker leaves the worker list first, so the others raise their
        share and claim each shard as soon as its lease is deleted. Renewals go
        on meanwhile. Shards still held after the grace period are stopped at
        once and their leases deleted.
        """
        self._stopping = True
        self._wake.set()
        await self._call(self._backend.leave(), "leaving the worker list")
        if self._loop_task is not None:
            done, _ = await asyncio.wait({self._loop_task}, timeout=grace_seconds)
            if not done:
                logger.warning(
                    "shards not released in time; stopping them at once",
                    extra={"shards": sorted(self._held)},
                )
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        await self._abandon_all()
        # Again: a heartbeat under way during the first call may have landed after it.
        await self._call(self._backend.leave(), "leaving the worker list")
        SHARD_LEASES.set(0)
        logger.info("shard leases released")

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except Exception:
                logger.exception("lease round failed")
            SHARD_LEASES.set(len(self._held))
            if self._stopping and not self._held and not self._fencing:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()

    async def _round(self) -> None:
        if not self._stopping:
            await self._call(self._backend.heartbeat(), "heartbeat")
        await self._renew_all()
        await self._delete_released()
        target = await self._target()
        if target is None:
            return
        self._release_extras(target)
        await self._claim_free(target)

    # Renewing.

    async def _renew_all(self) -> None:
        leases = list(self._held.values())
        results = await asyncio.gather(
            *(
                self._with_timeout(self._backend.renew(x.shard, x.revision))
                for x in leases
            ),
            return_exceptions=True,
        )
        failures = 0
        for lease, result in zip(leases, results, strict=True):
            if isinstance(result, int):
                lease.revision = result
                lease.renewed_at = self._clock()
            elif isinstance(result, LeaseLostError):
                logger.error(
                    "shard lease lost; stopping it at once", extra={"shard": lease.shard}
                )
                self._fence(lease)
            elif isinstance(result, BaseException):
                failures += 1
                self._check_overdue(lease, result)
        self._report_renew_failures(failures)

    def _check_overdue(self, lease: HeldLease, error: BaseException) -> None:
        overdue = self._clock() - lease.renewed_at
        if overdue < self._lease_ttl / 2:
            return
        logger.error(
            "shard lease not renewed for %.1f s; stopping it at once",
            overdue,
            extra={"shard": lease.shard, "error": repr(error)},
        )
        self._fence(lease)

    def _report_renew_failures(self, failures: int) -> None:
        # One warning when renewals start failing, one line when they recover.
        if failures and not self._renew_failures:
            logger.warning("renewing shard leases failed", extra={"leases": failures})
        elif not failures and self._renew_failures:
            logger.info("renewing shard leases again")
        self._renew_failures = failures

    def _fence(self, lease: HeldLease) -> None:
        """Forget a lease that may be someone else's and stop its shard at once."""
        del self._held[lease.shard]
        task = asyncio.create_task(self._stop_at_once(lease), name=f"fence-{lease.shard}")
        self._fencing[lease.shard] = task
        task.add_done_callback(lambda _: self._fencing.pop(lease.shard, None))

    async def _stop_at_once(self, lease: HeldLease) -> None:
        # A start under way is cancelled; a graceful release under way is made
        # immediate by the host's stop itself.
        if lease.task is not None and lease.phase is Phase.STARTING:
            lease.task.cancel()
            await asyncio.gather(lease.task, return_exceptions=True)
        try:
            await self._host.stop_shard(lease.shard, graceful=False)
        except Exception:
            logger.exception("stopping a shard failed", extra={"shard": lease.shard})

    # Releasing.

    async def _delete_released(self) -> None:
        released = [x for x in self._held.values() if x.phase is Phase.RELEASED]
        for lease in released:
            await self._call(
                self._backend.release(lease.shard, lease.revision), "deleting a lease"
            )
            del self._held[lease.shard]
            logger.info("shard lease released", extra={"shard": lease.shard})

    def _not_releasing(self) -> list[HeldLease]:
        """Return the leases not being released."""
        phases = (Phase.STARTING, Phase.ACTIVE)
        return [lease for lease in self._held.values() if lease.phase in phases]

    def _release_extras(self, target: int) -> None:
        retained = self._not_releasing()
        extra = len(retained) - target
        if extra <= 0:
            return
        active = [lease for lease in retained if lease.phase is Phase.ACTIVE]
        for lease in sorted(active, key=lambda x: x.shard, reverse=True)[:extra]:
            lease.phase = Phase.RELEASING
            lease.task = asyncio.create_task(
                self._release(lease, graceful=True), name=f"release-{lease.shard}"
            )

    async def _release(self, lease: HeldLease, graceful: bool) -> None:
        """Stop the shard; the next round deletes the lease."""
        try:
            await self._host.stop_shard(lease.shard, graceful=graceful)
        except Exception:
            logger.exception("releasing a shard failed", extra={"shard": lease.shard})
        lease.phase = Phase.RELEASED
        self._wake.set()

    async def _abandon_all(self) -> None:
        """Stop every shard still held at once and delete its lease."""
        leases = list(self._held.values())
        self._held.clear()
        await asyncio.gather(*(self._abandon(lease) for lease in leases))
        if self._fencing:
            await asyncio.gather(*self._fencing.values(), return_exceptions=True)

    async def _abandon(self, lease: HeldLease) -> None:
        await self._stop_at_once(lease)
        await self._call(
            self._backend.release(lease.shard, lease.revision), "deleting a lease"
        )

    # Claiming.

    async def _target(self) -> int | None:
        """Return how many leases this worker should hold, or None if unknown now."""
        if self._stopping:
            return 0
        workers = await self._call(self._backend.live_workers(), "listing workers")
        if workers is None:
            return None
        return math.ceil(self._shards / len(workers | {self._backend.worker_key}))

    async def _claim_free(self, target: int) -> None:
        missing = target - len(self._not_releasing())
        if missing <= 0:
            return
        leased = await self._call(self._backend.leased_shards(), "listing leases")
        if leased is None:
            return
        busy = leased | set(self._held) | set(self._fencing)
        free = [shard for shard in range(self._shards) if shard not in busy]
        # Workers starting together try different shards first.
        random.shuffle(free)
        for shard in free:
            if missing == 0:
                return
            try:
                revision = await self._with_timeout(self._backend.claim(shard))
            except Exception as error:
                self._note_failure("claiming a lease", error)
                return
            if revision is not None:
                self._adopt(shard, revision)
                missing -= 1

    def _adopt(self, shard: int, revision: int) -> None:
        lease = HeldLease(shard=shard, revision=revision, renewed_at=self._clock())
        self._held[shard] = lease
        lease.task = asyncio.create_task(self._start(lease), name=f"start-{shard}")
        logger.info("shard lease claimed", extra={"shard": shard})

    async def _start(self, lease: HeldLease) -> None:
        try:
            await self._host.start_shard(lease.shard)
        except Exception:
            logger.exception(
                "starting a shard failed; releasing it", extra={"shard": lease.shard}
            )
            await self._release(lease, graceful=False)
            return
        lease.phase = Phase.ACTIVE

    # Helpers.

    async def _with_timeout(self, call: Awaitable[T]) -> T:
        return await asyncio.wait_for(call, KV_CALL_TIMEOUT_SECONDS)

    async def _call(self, call: Awaitable[T], operation: str) -> T | None:
        """Await a key-value call; log a failure and return None."""
        try:
            result = await self._with_timeout(call)
        except Exception as error:
            self._note_failure(operation, error)
            return None
        if self._call_failures.pop(operation, 0):
            logger.info("%s works again", operation)
        return result

    def _note_failure(self, operation: str, error: Exception) -> None:
        # One warning per outage of each operation; the repeats are logged at DEBUG.
        failures = self._call_failures.get(operation, 0) + 1
        self._call_failures[operation] = failures
        level = logging.WARNING if failures == 1 else logging.DEBUG
        logger.log(level, "%s failed", operation, extra={"error": repr(error)})

"""Shard leases and worker heartbeats in JetStream key-value buckets.

Both buckets keep one revision per key and drop a key ``LEASE_TTL_SECONDS``
after its last write, so a worker that dies loses its leases and its place in
``workers`` within that time.
"""

from __future__ import annotations

import logging
import re

from nats.js import JetStreamContext
from nats.js.errors import APIError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

from wagate_common.broker import subjects

logger = logging.getLogger(__name__)

# nats-server error codes of a write whose expected last revision did not match.
_WRONG_LAST_SEQUENCE_CODES = (10071, 10164)
_LEASE_KEY = re.compile(r"^shard-(\d+)$")
_INVALID_KEY_CHARACTERS = re.compile(r"[^-/_=.a-zA-Z0-9]")


class LeaseLostError(Exception):
    """Another worker holds the lease now, or it expired and was claimed again."""

    def __init__(self, shard: int) -> None:
        super().__init__(f"the lease on shard {shard} is no longer this worker's")
        self.shard = shard


def worker_key(worker_id: str) -> str:
    """Return the ``workers`` key of a worker id (characters NATS rejects become _)."""
    return _INVALID_KEY_CHARACTERS.sub("_", worker_id)


class LeaseStore:
    """This worker's view of the ``shard_leases`` and ``workers`` buckets."""

    def __init__(self, js: JetStreamContext, worker_id: str) -> None:
        self._js = js
        self.worker_id = worker_id
        self.worker_key = worker_key(worker_id)
        self._leases: KeyValue | None = None
        self._workers: KeyValue | None = None

    async def open(self) -> None:
        """Bind to both buckets (``Infrastructure.open`` created them)."""
        self._leases = await self._js.key_value(subjects.SHARD_LEASES_BUCKET)
        self._workers = await self._js.key_value(subjects.WORKERS_BUCKET)

    async def claim(self, shard: int) -> int | None:
        """Take a free lease; return its revision, or None when someone holds it."""
        try:
            revision: int = await self._lease_bucket().create(
                subjects.shard_lease_key(shard), self.worker_id.encode()
            )
        except KeyWrongLastSequenceError:
            return None
        return revision

    async def renew(self, shard: int, revision: int) -> int:
        """Write the lease again if it is still at ``revision``; return the new revision.

        Raises:
            LeaseLostError: when the lease moved on without this worker.
        """
        try:
            new_revision: int = await self._lease_bucket().update(
                subjects.shard_lease_key(shard), self.worker_id.encode(), last=revision
            )
        except KeyWrongLastSequenceError as error:
            raise LeaseLostError(shard) from error
        return new_revision

    async def release(self, shard: int, revision: int) -> None:
        """Delete the lease if it is still at ``revision``; another owner's stays."""
        try:
            await self._lease_bucket().delete(
                subjects.shard_lease_key(shard), last=revision
            )
        except APIError as error:
            if error.err_code not in _WRONG_LAST_SEQUENCE_CODES:
                raise
            logger.warning("lease changed before its release", extra={"shard": shard})

    async def leased_shards(self) -> set[int]:
        """Return the shards whose lease anybody holds."""
        try:
            keys = await self._lease_bucket().keys()
        except NoKeysError:
            return set()
        shards: set[int] = set()
        for key in keys:
            match = _LEASE_KEY.match(key)
            if match:
                shards.add(int(match.group(1)))
        return shards

    async def heartbeat(self) -> None:
        """Mark this worker alive for the bucket's TTL."""
        await self._worker_bucket().put(self.worker_key, self.worker_id.encode())

    async def live_workers(self) -> set[str]:
        """Return the keys of the workers whose heartbeat has not expired."""
        try:
            return set(await self._worker_bucket().keys())
        except NoKeysError:
            return set()

    async def leave(self) -> None:
        """Remove this worker's heartbeat, so the others rebalance at once."""
        await self._worker_bucket().delete(self.worker_key)

    def _lease_bucket(self) -> KeyValue:
        if self._leases is None:
            raise RuntimeError("LeaseStore.open() was not called")
        return self._leases

    def _worker_bucket(self) -> KeyValue:
        if self._workers is None:
            raise RuntimeError("LeaseStore.open() was not called")
        return self._workers

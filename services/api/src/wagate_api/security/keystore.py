"""Key lookups with a short cache, revocation notices and batched ``lastUsedAt``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from wagate_common.broker import subjects
from wagate_common.ids import utc_now
from wagate_common.storage.apikeys import ApiKeyRepository
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _CachedLookup:
    document: Document | None
    fetched_at: float


class ApiKeyStore:
    """Finds keys by hash for one api process.

    A lookup is cached for at most ``cache_seconds``, and a revocation notice
    on the broker drops it at once, so a revoked key stops working on every
    replica within ``cache_seconds`` even when the notice is lost.
    """

    def __init__(
        self,
        repository: ApiKeyRepository,
        nats: Client,
        cache_seconds: float,
        last_used_flush_seconds: float,
    ) -> None:
        self.repository = repository
        self._nats = nats
        self._cache_seconds = cache_seconds
        self._flush_seconds = last_used_flush_seconds
        self._cache: dict[str, _CachedLookup] = {}
        self._last_used: dict[str, datetime] = {}
        self._subscription: Subscription | None = None
        self._flusher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen for revocations and start the ``lastUsedAt`` flusher."""
        self._subscription = await self._nats.subscribe(
            subjects.API_KEYS_REVOKED, cb=self._on_revoked
        )
        self._flusher = asyncio.create_task(self._flush_forever())

    async def stop(self) -> None:
        """Stop listening and write the pending ``lastUsedAt`` values."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        if self._subscription is not None and not self._nats.is_closed:
            await self._subscription.unsubscribe()
        await self.flush_last_used()

    async def find(self, key_hash: str) -> Document | None:
        """Return the key stored under ``key_hash``, from the cache when fresh."""
        cached = self._cache.get(key_hash)
        now = time.monotonic()
        if cached is not None and now - cached.fetched_at < self._cache_seconds:
            return cached.document
        document = await self.repository.find_by_hash(key_hash)
        self._cache[key_hash] = _CachedLookup(document, now)
        return document

    def mark_used(self, key_id: str) -> None:
        """Note a use of a key. The flusher writes it later, in one batch."""
        self._last_used[key_id] = utc_now()

    async def revoke(self, key_hash: str) -> None:
        """Drop a key from this process's cache and tell every other replica."""
        self._forget(key_hash)
        await self._nats.publish(subjects.API_KEYS_REVOKED, key_hash.encode())
        await self._nats.flush()

    async def flush_last_used(self) -> None:
        """Write every ``lastUsedAt`` noted since the last flush."""
        pending, self._last_used = self._last_used, {}
        await self.repository.record_last_used(pending)

    async def _on_revoked(self, message: Msg) -> None:
        self._forget(message.data.decode())

    def _forget(self, key_hash: str) -> None:
        self._cache.pop(key_hash, None)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush_last_used()
            except Exception:  # lastUsedAt is a hint, so a lost batch is acceptable
                logger.exception("writing lastUsedAt failed")

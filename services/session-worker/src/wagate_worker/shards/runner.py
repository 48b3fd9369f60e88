"""Starting and stopping the shards this worker holds leases on."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext

from wagate_worker.commands.consumer import ShardCommandConsumer
from wagate_worker.rpc.server import RpcServer
from wagate_worker.sessions.registry import SessionRegistry
from wagate_worker.settings import WorkerSettings

logger = logging.getLogger(__name__)


class ShardRunner:
    """Runs a shard's sessions, command consumer and live requests while leased."""

    def __init__(
        self,
        js: JetStreamContext,
        registry: SessionRegistry,
        settings: WorkerSettings,
        rpc: RpcServer,
    ) -> None:
        self._js = js
        self._rpc = rpc
        self._registry = registry
        self._settings = settings
        self._consumers: dict[int, ShardCommandConsumer] = {}

    @property
    def shards(self) -> frozenset[int]:
        """The shards whose commands are being consumed."""
        return frozenset(self._consumers)

    async def start_shard(self, shard: int) -> None:
        """Subscribe to live requests, reconcile the sessions, consume the commands.

        Live requests come first, so that a request during the reconcile gets
        409 ``SESSION_NOT_CONNECTED`` rather than no answer.
        """
        await self._rpc.open_shard(shard)
        await self._registry.open_shard(shard)
        consumer = ShardCommandConsumer(
            self._js, shard, self._registry.route, self._settings
        )
        # Stored before starting, so that a stop during the start finds it.
        self._consumers[shard] = consumer
        await consumer.start()
        logger.debug("shard started", extra={"shard": shard})

    async def stop_shard(self, shard: int, graceful: bool) -> None:
        """Stop consuming the shard's commands, then stop its sessions.

        Graceful: the fetch under way and each session's current command
        finish first. Otherwise everything stops at once; a call while a
        graceful stop runs makes that one immediate too. Live requests stop
        first, because the shard's next owner replies to them.
        """
        await self._rpc.close_shard(shard)
        consumer = self._consumers.pop(shard, None)
        if consumer is not None and graceful:
            await consumer.stop(graceful=True)
            consumer = None
        self._registry.close_shard(shard)
        if consumer is not None:
            await consumer.stop(graceful=False)
        await self._registry.stop_shard(shard, graceful)
        logger.debug("shard stopped", extra={"shard": shard, "graceful": graceful})

"""The session worker's components wired together on open connections."""

from __future__ import annotations

import logging

from wagate_common.broker.connection import LEASE_TTL_SECONDS
from wagate_common.infrastructure import Infrastructure
from wagate_common.storage.auth import AuthStore
from wagate_common.storage.messages import MessageRepository
from wagate_common.storage.received import ReceivedRepository
from wagate_common.storage.sessions import SessionRepository
from wagate_worker.drivers.registry import DriverRegistry, default_driver_registry
from wagate_worker.events.publisher import EventPublisher
from wagate_worker.media.fetch import GuardedFetcher, create_http_client
from wagate_worker.media.objects import MediaObjects
from wagate_worker.media.outgoing import OutgoingPreparer
from wagate_worker.rpc.operations import LiveOperations
from wagate_worker.rpc.server import RpcServer
from wagate_worker.sessions.context import RuntimeContext
from wagate_worker.sessions.registry import SessionRegistry
from wagate_worker.sessions.starts import StartGate
from wagate_worker.settings import WorkerSettings
from wagate_worker.shards.leases import LeaseStore
from wagate_worker.shards.manager import ShardManager
from wagate_worker.shards.runner import ShardRunner

logger = logging.getLogger(__name__)


class WorkerService:
    """Holds shard leases and runs their sessions until stopped.

    The caller owns ``infra``: the service neither opens nor closes it, so tests
    and the whole-stack suite can run several workers in one process. ``drivers``
    replaces the drivers of this build (tests register a scripted one).
    """

    def __init__(
        self,
        settings: WorkerSettings,
        infra: Infrastructure,
        drivers: DriverRegistry | None = None,
    ) -> None:
        self.settings = settings
        self._infra = infra
        self._http = create_http_client()
        objects = MediaObjects(infra.js)
        received = ReceivedRepository(infra.db, settings.message_retention_days)
        context = RuntimeContext(
            settings=settings,
            nats=infra.nats,
            sessions=SessionRepository(infra.db),
            messages=MessageRepository(infra.db, settings.message_retention_days),
            received=received,
            auth=AuthStore(infra.db),
            publisher=EventPublisher(infra.js),
            drivers=drivers or default_driver_registry(settings),
            outgoing=self._create_outgoing(settings, objects),
            starts=StartGate(
                settings.start_per_second,
                settings.start_concurrency,
                hold_seconds=settings.whatsapp_connect_seconds,
            ),
        )
        self.sessions = SessionRegistry(context)
        self.rpc = RpcServer(
            infra.nats,
            self.sessions,
            LiveOperations(received, objects),
            settings.rpc_timeout_seconds,
        )
        self._leases = LeaseStore(infra.js, settings.worker_id)
        self.shards = ShardManager(
            self._leases,
            ShardRunner(infra.js, self.sessions, settings, self.rpc),
            shards=settings.shards,
            renew_interval=settings.lease_renew_seconds,
            lease_ttl=LEASE_TTL_SECONDS,
        )

    async def start(self) -> None:
        """Join the workers and start claiming shards."""
        await self._leases.open()
        await self.shards.start()
        logger.info("worker started", extra={"worker_id": self.settings.worker_id})

    async def stop(self) -> None:
        """Release every shard cleanly (sessions first, then leases) and leave."""
        await self.shards.stop(self.settings.shutdown_grace_seconds)
        await self.rpc.close()
        await self._http.aclose()
        logger.info("worker stopped", extra={"worker_id": self.settings.worker_id})

    async def readiness(self) -> dict[str, str]:
        """Return ``ok`` or the reason of failure for each dependency and the leases."""
        checks = await self._infra.readiness()
        checks["leases"] = "ok" if self.shards.is_running else "not running"
        return checks

    def _create_outgoing(
        self, settings: WorkerSettings, objects: MediaObjects
    ) -> OutgoingPreparer:
        # URL media and preview pages obey the webhook address rules.
        fetcher = GuardedFetcher(
            self._http, allow_private=bool(settings.webhook_allow_private)
        )
        return OutgoingPreparer(
            objects,
            fetcher,
            media_fetch_timeout_seconds=settings.media_fetch_timeout_seconds,
            link_preview_timeout_seconds=settings.link_preview_timeout_seconds,
            media_retention_hours=settings.media_retention_hours,
        )

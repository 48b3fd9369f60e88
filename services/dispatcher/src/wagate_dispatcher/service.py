"""The dispatcher's components wired together on open connections."""

from __future__ import annotations

import logging

from nats.aio.msg import Msg

from wagate_common.broker.subjects import DELIVERIES_STREAM, EVENTS_STREAM
from wagate_common.infrastructure import Infrastructure
from wagate_common.netguard import Resolver
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.consumer import (
    JetStreamConsumer,
    consumer_config,
    deliveries_consumer_config,
)
from wagate_dispatcher.deliveries import DeliveryHandler
from wagate_dispatcher.delivery.sender import WebhookSender, create_http_client
from wagate_dispatcher.fanout import EventFanout
from wagate_dispatcher.metrics import EVENTS_CONSUMED
from wagate_dispatcher.monitoring import DepthMonitor
from wagate_dispatcher.retries import RetrySchedule
from wagate_dispatcher.settings import DispatcherSettings
from wagate_dispatcher.webhooks.cache import WebhookCache

logger = logging.getLogger(__name__)

DEPTH_REFRESH_SECONDS = 15.0


class DispatcherService:
    """Fans events out to delivery jobs and delivers the jobs until stopped.

    The caller owns ``infra``: the service neither opens nor closes it, so tests
    and the whole-stack suite can run it in their own process. ``resolver``
    replaces the system resolver for webhook hosts (tests use it to point a
    name at another address).
    """

    def __init__(
        self,
        settings: DispatcherSettings,
        infra: Infrastructure,
        resolver: Resolver | None = None,
    ) -> None:
        self._settings = settings
        self._infra = infra
        self._http = create_http_client(
            settings.webhook_timeout_seconds, settings.max_concurrent_deliveries
        )
        repository = WebhookRepository(infra.db)
        self.webhooks = WebhookCache(
            repository, infra.nats, settings.webhook_cache_refresh_seconds
        )
        sender = WebhookSender(
            self._http,
            timeout_seconds=settings.webhook_timeout_seconds,
            max_response_bytes=settings.webhook_max_response_bytes,
            max_concurrent=settings.max_concurrent_deliveries,
            allow_private=bool(settings.webhook_allow_private),
            resolver=resolver,
        )
        self._fanout = EventFanout(infra.js, self.webhooks)
        deliveries = DeliveryHandler(
            js=infra.js,
            nats=infra.nats,
            cache=self.webhooks,
            repository=repository,
            sender=sender,
            schedule=RetrySchedule(settings.webhook_retry_schedule),
            max_per_webhook=settings.max_concurrent_per_webhook,
        )
        self._events = JetStreamConsumer(
            infra.js,
            EVENTS_STREAM,
            consumer_config(settings.ack_wait_seconds),
            self._fan_out,
            batch_size=settings.fetch_batch_size,
            fetch_wait_seconds=settings.fetch_wait_seconds,
        )
        self._deliveries = JetStreamConsumer(
            infra.js,
            DELIVERIES_STREAM,
            deliveries_consumer_config(settings.ack_wait_seconds),
            deliveries.handle,
            batch_size=settings.max_concurrent_deliveries,
            fetch_wait_seconds=settings.fetch_wait_seconds,
        )
        self._monitor = DepthMonitor(infra.js, DEPTH_REFRESH_SECONDS)

    async def start(self) -> None:
        """Load the webhooks, then start consuming jobs and events."""
        await self.webhooks.start()
        try:
            await self._deliveries.start()
            await self._events.start()
        except BaseException:
            await self._deliveries.stop(0)
            await self.webhooks.stop()
            raise
        self._monitor.start()
        logger.info("dispatcher started", extra={"webhooks": len(self.webhooks.index)})

    async def stop(self) -> None:
        """Stop consuming, let handlers in flight finish briefly, close the client."""
        await self._monitor.stop()
        await self._events.stop(self._settings.shutdown_grace_seconds)
        await self._deliveries.stop(self._settings.shutdown_grace_seconds)
        await self.webhooks.stop()
        await self._http.aclose()
        logger.info("dispatcher stopped")

    async def readiness(self) -> dict[str, str]:
        """Return ``ok`` or the reason of failure for each dependency and consumer."""
        checks = await self._infra.readiness()
        checks["consumer"] = "ok" if self._events.is_running else "not running"
        checks["deliveries"] = "ok" if self._deliveries.is_running else "not running"
        return checks

    async def _fan_out(self, message: Msg) -> None:
        EVENTS_CONSUMED.inc()
        await self._fanout.dispatch(message.data)

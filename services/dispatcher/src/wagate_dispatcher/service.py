"""The dispatcher's components wired together on open connections."""

from __future__ import annotations

import logging

from wagate_common.infrastructure import Infrastructure
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.consumer import EventConsumer
from wagate_dispatcher.delivery.sender import WebhookSender, create_http_client
from wagate_dispatcher.dispatch import EventDispatcher
from wagate_dispatcher.settings import DispatcherSettings
from wagate_dispatcher.webhooks.cache import WebhookCache

logger = logging.getLogger(__name__)


class DispatcherService:
    """Consumes events and delivers them to webhooks until stopped.

    The caller owns ``infra``: the service neither opens nor closes it, so tests
    and the whole-stack suite can run it in their own process.
    """

    def __init__(self, settings: DispatcherSettings, infra: Infrastructure) -> None:
        self._settings = settings
        self._infra = infra
        self._http = create_http_client(
            settings.webhook_timeout_seconds, settings.max_concurrent_deliveries
        )
        self.webhooks = WebhookCache(
            WebhookRepository(infra.db),
            infra.nats,
            settings.webhook_cache_refresh_seconds,
        )
        sender = WebhookSender(
            self._http,
            timeout_seconds=settings.webhook_timeout_seconds,
            max_response_bytes=settings.webhook_max_response_bytes,
            max_concurrent=settings.max_concurrent_deliveries,
        )
        self._dispatcher = EventDispatcher(self.webhooks, sender)
        self._consumer = EventConsumer(
            infra.js,
            self._dispatcher.dispatch,
            batch_size=settings.fetch_batch_size,
            fetch_wait_seconds=settings.fetch_wait_seconds,
        )

    async def start(self) -> None:
        """Load the webhooks, then start consuming events."""
        await self.webhooks.start()
        try:
            await self._consumer.start()
        except BaseException:
            await self.webhooks.stop()
            raise
        logger.info("dispatcher started", extra={"webhooks": len(self.webhooks.index)})

    async def stop(self) -> None:
        """Stop consuming, let deliveries in flight finish briefly, close the client."""
        await self._consumer.stop(self._settings.shutdown_grace_seconds)
        await self.webhooks.stop()
        await self._http.aclose()
        logger.info("dispatcher stopped")

    async def readiness(self) -> dict[str, str]:
        """Return ``ok`` or the reason of failure for each dependency and the consumer."""
        checks = await self._infra.readiness()
        checks["consumer"] = "ok" if self._consumer.is_running else "not running"
        return checks

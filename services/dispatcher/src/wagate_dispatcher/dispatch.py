"""Routing one event to the webhooks that subscribe to it."""

from __future__ import annotations

import asyncio
import logging

from wagate_dispatcher.delivery.sender import (
    DeliveryOutcome,
    DeliveryResult,
    WebhookSender,
)
from wagate_dispatcher.events import EventRoute, parse_event_route
from wagate_dispatcher.metrics import WEBHOOK_DELIVERIES, WEBHOOK_DELIVERY_SECONDS
from wagate_dispatcher.webhooks.cache import WebhookCache
from wagate_dispatcher.webhooks.model import Webhook

logger = logging.getLogger(__name__)


class EventDispatcher:
    """Sends each event to every matching webhook at once and records the outcomes."""

    def __init__(self, cache: WebhookCache, sender: WebhookSender) -> None:
        self._cache = cache
        self._sender = sender

    async def dispatch(self, body: bytes) -> list[DeliveryResult]:
        """Deliver the event's JSON bytes, unchanged, to every matching webhook.

        The attempts run concurrently, within the sender's limit of requests in
        flight, so one slow receiver delays the return by at most the timeout.

        Raises:
            InvalidEventError: the bytes lack the event's id, type or session.
        """
        route = parse_event_route(body)
        webhooks = self._cache.match(route.type, route.session_id)
        results = await asyncio.gather(
            *(self._deliver(webhook, route, body) for webhook in webhooks)
        )

        failed = sum(not result.is_success for result in results)
        logger.info(
            "event dispatched",
            extra={
                "event_id": route.id,
                "event_type": route.type,
                "session_id": route.session_id,
                "webhooks": len(results),
                "failed": failed,
            },
        )
        return results

    async def _deliver(
        self, webhook: Webhook, route: EventRoute, body: bytes
    ) -> DeliveryResult:
        try:
            result = await self._sender.send(webhook, route.id, body)
        except Exception as error:
            # A defect with one webhook (an unencodable custom header, say) must
            # not keep the event from the others or from being acknowledged.
            logger.exception(
                "webhook delivery failed unexpectedly",
                extra={"webhook_id": webhook.id, "event_id": route.id},
            )
            result = DeliveryResult(
                outcome=DeliveryOutcome.CONNECTION_ERROR,
                duration_seconds=0.0,
                error=type(error).__name__,
            )
        record_delivery(webhook, route, result)
        return result


def record_delivery(webhook: Webhook, route: EventRoute, result: DeliveryResult) -> None:
    """Count a delivery attempt and log it, with ids and status but never the body."""
    WEBHOOK_DELIVERIES.labels(outcome=result.outcome.value).inc()
    WEBHOOK_DELIVERY_SECONDS.observe(result.duration_seconds)
    fields = {
        "webhook_id": webhook.id,
        "event_id": route.id,
        "outcome": result.outcome.value,
        "status_code": result.status_code,
        "duration_ms": round(result.duration_seconds * 1000, 1),
    }
    if result.is_success:
        logger.debug("webhook delivered", extra=fields)
        return

    # TODO: retry failed deliveries with backoff through the DELIVERIES stream,
    # park exhausted ones in FAILED, and disable a webhook that responds with 410.
    logger.warning("webhook delivery failed", extra={**fields, "error": result.error})

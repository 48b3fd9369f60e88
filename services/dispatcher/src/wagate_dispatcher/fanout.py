"""Turning each event into one delivery job per matching webhook."""

from __future__ import annotations

import asyncio
import logging

from nats.js import JetStreamContext

from wagate_common.broker.failed import now_text
from wagate_common.ids import new_id
from wagate_dispatcher.events import parse_event_route
from wagate_dispatcher.jobs import DeliveryJob
from wagate_dispatcher.metrics import DELIVERY_JOBS_QUEUED
from wagate_dispatcher.webhooks.cache import WebhookCache

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0


class EventFanout:
    """Queues an event on the DELIVERIES stream once for each matching webhook.

    Each job's ``Nats-Msg-Id`` is ``<event id>:<webhook id>``, so an event
    redelivered to the fan-out (after a crash before its ack) queues no second
    job within the stream's duplicate window.
    """

    def __init__(self, js: JetStreamContext, cache: WebhookCache) -> None:
        self._js = js
        self._cache = cache

    async def dispatch(self, body: bytes) -> list[DeliveryJob]:
        """Queue a job for every webhook that subscribes to the event.

        Raises:
            InvalidEventError: the bytes lack the event's id, type or session.
            nats.errors.Error, TimeoutError: a job was not stored; the caller
                retries the whole event, and the stored jobs are de-duplicated.
        """
        route = parse_event_route(body)
        queued_at = now_text()
        jobs = [
            DeliveryJob(
                id=new_id("job"),
                event_id=route.id,
                webhook_id=webhook.id,
                session_id=route.session_id,
                attempt=1,
                first_attempt_at=queued_at,
                body=body,
            )
            for webhook in self._cache.match(route.type, route.session_id)
        ]
        await asyncio.gather(*(self._publish(job) for job in jobs))

        DELIVERY_JOBS_QUEUED.inc(len(jobs))
        logger.info(
            "event queued for delivery",
            extra={
                "event_id": route.id,
                "event_type": route.type,
                "session_id": route.session_id,
                "webhooks": len(jobs),
            },
        )
        return jobs

    async def _publish(self, job: DeliveryJob) -> None:
        headers = {**job.headers(), "Nats-Msg-Id": f"{job.event_id}:{job.webhook_id}"}
        await self._js.publish(
            job.subject, job.body, headers=headers, timeout=PUBLISH_TIMEOUT_SECONDS
        )

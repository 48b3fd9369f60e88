"""One delivery attempt of a job, and what follows it: done, retry, failed queue."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from wagate_common.broker import subjects
from wagate_common.broker.failed import (
    FailedJob,
    FailedQueue,
    FailedQueueName,
    now_text,
)
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.delivery.sender import (
    DeliveryOutcome,
    DeliveryResult,
    WebhookSender,
)
from wagate_dispatcher.errors import InvalidWebhookError, WebhookBusyError
from wagate_dispatcher.jobs import DeliveryJob, parse_job
from wagate_dispatcher.metrics import (
    WEBHOOK_DELIVERIES,
    WEBHOOK_DELIVERY_SECONDS,
    WEBHOOK_FAILED_JOBS,
    WEBHOOK_RETRIES,
    WEBHOOKS_DISABLED,
)
from wagate_dispatcher.retries import RetrySchedule, schedule_header
from wagate_dispatcher.webhooks.cache import WebhookCache
from wagate_dispatcher.webhooks.model import Webhook, parse_webhook

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0
DISABLED_BY_GONE = "the receiver responded 410 Gone"


class DeliveryHandler:
    """Delivers one job and decides what happens to it after the attempt.

    A 2xx ends the job. A 410 disables the webhook and moves the job to the
    failed queue. Any other outcome schedules the next attempt as a JetStream
    message schedule, so the job takes no consumer slot while it waits, until
    the schedule runs out and the job moves to the failed queue.
    """

    def __init__(
        self,
        *,
        js: JetStreamContext,
        nats: Client,
        cache: WebhookCache,
        repository: WebhookRepository,
        sender: WebhookSender,
        schedule: RetrySchedule,
        max_per_webhook: int,
    ) -> None:
        self._js = js
        self._nats = nats
        self._cache = cache
        self._repository = repository
        self._sender = sender
        self._schedule = schedule
        self._max_per_webhook = max_per_webhook
        self._failed = FailedQueue(js)
        self._in_flight: Counter[str] = Counter()

    async def handle(self, message: Msg) -> None:
        """Run the job carried by ``message``; the caller acks once this returns.

        Raises:
            InvalidJobError: the message is not a delivery job.
            WebhookBusyError: the webhook has no free slot in this process; the
                caller returns the job to the stream for later.
        """
        job = parse_job(message.headers, message.data)
        webhook = await self._find_webhook(job)
        if webhook is None:
            return
        if not webhook.enabled:
            await self._fail(job, job.attempt - 1, "the webhook is disabled")
            return

        with self._slot(job.webhook_id):
            result = await self._send(webhook, job)
        record_attempt(job, result)

        if result.is_success:
            return
        if result.is_gone:
            await self._disable(webhook)
            await self._fail(job, job.attempt, f"{result.describe()}; webhook disabled")
        elif self._schedule.has_retry_after(job.attempt):
            await self._schedule_retry(job, result)
        else:
            await self._fail(job, job.attempt, result.describe())

    async def _send(self, webhook: Webhook, job: DeliveryJob) -> DeliveryResult:
        try:
            return await self._sender.send(webhook, job.event_id, job.body)
        except Exception as error:
            # A defect with one webhook (an unencodable custom header, say) is
            # retried and finally parked like any other failed attempt.
            logger.exception("webhook delivery failed unexpectedly", extra=_describe(job))
            return DeliveryResult(
                outcome=DeliveryOutcome.CONNECTION_ERROR,
                duration_seconds=0.0,
                error=type(error).__name__,
            )

    async def _find_webhook(self, job: DeliveryJob) -> Webhook | None:
        # The cache contains enabled webhooks only. A miss reads MongoDB, so a
        # webhook created after the cache loaded, or disabled since the job was
        # queued, is still told apart from a deleted one.
        cached = self._cache.index.get(job.webhook_id)
        if cached is not None:
            return cached
        document = await self._repository.get(job.webhook_id)
        if document is None:
            logger.info(
                "delivery dropped: the webhook was deleted",
                extra={"webhook_id": job.webhook_id, "event_id": job.event_id},
            )
            return None
        try:
            return parse_webhook(document)
        except InvalidWebhookError as error:
            await self._fail(job, job.attempt - 1, str(error))
            return None

    @contextlib.contextmanager
    def _slot(self, webhook_id: str) -> Iterator[None]:
        if self._in_flight[webhook_id] >= self._max_per_webhook:
            raise WebhookBusyError(webhook_id)
        self._in_flight[webhook_id] += 1
        try:
            yield
        finally:
            self._in_flight[webhook_id] -= 1
            if not self._in_flight[webhook_id]:
                del self._in_flight[webhook_id]

    async def _schedule_retry(self, job: DeliveryJob, result: DeliveryResult) -> None:
        retry = job.next_attempt(result.describe())
        due = self._schedule.retry_at(job.attempt)
        headers = {
            **retry.headers(),
            "Nats-Schedule": schedule_header(due),
            "Nats-Schedule-Target": retry.subject,
            # A redelivered job that fails again schedules this retry once.
            "Nats-Msg-Id": f"{job.id}:{retry.attempt}",
        }
        subject = subjects.delivery_schedule(job.webhook_id, f"{job.id}-{retry.attempt}")
        await self._js.publish(
            subject, job.body, headers=headers, timeout=PUBLISH_TIMEOUT_SECONDS
        )
        WEBHOOK_RETRIES.inc()
        logger.info(
            "delivery retry scheduled",
            extra={
                **_describe(job),
                "next_attempt": retry.attempt,
                "due": headers["Nats-Schedule"],
            },
        )

    async def _fail(self, job: DeliveryJob, attempts: int, reason: str) -> None:
        await self._failed.add(
            FailedJob(
                queue=FailedQueueName.WEBHOOKS,
                id=job.id,
                payload=job.body,
                attempts=attempts,
                last_error=reason,
                failed_at=now_text(),
                first_attempt_at=job.first_attempt_at or None,
                session_id=job.session_id,
                references={"webhookId": job.webhook_id, "eventId": job.event_id},
            )
        )
        WEBHOOK_FAILED_JOBS.inc()
        logger.warning(
            "delivery moved to the failed queue",
            extra={**_describe(job), "attempts": attempts, "error": reason},
        )

    async def _disable(self, webhook: Webhook) -> None:
        await self._repository.update(
            webhook.id, {"enabled": False, "disabledReason": DISABLED_BY_GONE}
        )
        await self._nats.publish(subjects.WEBHOOKS_CHANGED, webhook.id.encode())
        WEBHOOKS_DISABLED.inc()
        logger.warning(
            "webhook disabled",
            extra={"webhook_id": webhook.id, "reason": DISABLED_BY_GONE},
        )


def record_attempt(job: DeliveryJob, result: DeliveryResult) -> None:
    """Count a delivery attempt and log it, with ids and status but never the body."""
    WEBHOOK_DELIVERIES.labels(outcome=result.outcome.value).inc()
    WEBHOOK_DELIVERY_SECONDS.observe(result.duration_seconds)
    fields = {
        **_describe(job),
        "outcome": result.outcome.value,
        "status_code": result.status_code,
        "duration_ms": round(result.duration_seconds * 1000, 1),
    }
    if result.outcome is DeliveryOutcome.SUCCESS:
        logger.debug("webhook delivered", extra=fields)
        return
    logger.warning("webhook delivery failed", extra={**fields, "error": result.error})


def _describe(job: DeliveryJob) -> dict[str, object]:
    return {
        "job_id": job.id,
        "webhook_id": job.webhook_id,
        "event_id": job.event_id,
        "attempt": job.attempt,
    }

"""Queue state and failed-job retries, read from and written to JetStream."""

from __future__ import annotations

import logging
from dataclasses import replace

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import StreamInfo
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from wagate_api.commands import CommandPublisher
from wagate_api.models.queues import QueuesStats, QueueStats
from wagate_common.broker import subjects
from wagate_common.broker.failed import (
    ATTEMPT_HEADER,
    EVENT_ID_HEADER,
    FIRST_ATTEMPT_AT_HEADER,
    JOB_ID_HEADER,
    SESSION_ID_HEADER,
    WEBHOOK_ID_HEADER,
    FailedJob,
    FailedQueue,
    FailedQueueName,
    now_text,
)
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.ids import new_id
from wagate_common.schemas.commands import SendCommand
from wagate_common.storage.messages import MessageRepository

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0
DELIVERIES_CONSUMER = "deliveries"


async def read_stats(js: JetStreamContext) -> QueuesStats:
    """Count each queue's jobs from its stream, its consumers and the FAILED stream."""
    failed = FailedQueue(js)
    commands = await js.stream_info(subjects.COMMANDS_STREAM)
    command_consumers = await js.consumers_info(subjects.COMMANDS_STREAM)
    deliveries = await js.stream_info(
        subjects.DELIVERIES_STREAM, subjects_filter=subjects.DELIVERY_SCHEDULES_ALL
    )
    delivery_consumers = [
        consumer
        for consumer in await js.consumers_info(subjects.DELIVERIES_STREAM)
        if consumer.name == DELIVERIES_CONSUMER
    ]
    return QueuesStats(
        messages=_stats(
            commands,
            in_flight=sum(c.num_ack_pending or 0 for c in command_consumers),
            redelivered=sum(c.num_redelivered or 0 for c in command_consumers),
            failed=await failed.count(FailedQueueName.MESSAGES),
        ),
        webhooks=_stats(
            deliveries,
            in_flight=sum(c.num_ack_pending or 0 for c in delivery_consumers),
            redelivered=sum(c.num_redelivered or 0 for c in delivery_consumers),
            failed=await failed.count(FailedQueueName.WEBHOOKS),
            scheduled=sum((deliveries.state.subjects or {}).values()),
        ),
    )


def _stats(
    stream: StreamInfo,
    *,
    in_flight: int,
    redelivered: int,
    failed: int,
    scheduled: int = 0,
) -> QueueStats:
    # Work-queue streams drop a message once it is acknowledged, so what is
    # stored is waiting or in flight, and the sequences used up are the rest.
    stored = stream.state.messages
    return QueueStats(
        pending=max(stored - in_flight, 0),
        in_flight=in_flight,
        redelivered=redelivered,
        failed=failed,
        completed=max(stream.state.last_seq - stored, 0),
        scheduled=scheduled,
    )


async def requeue(
    js: JetStreamContext,
    job: FailedJob,
    messages: MessageRepository,
    commands: CommandPublisher,
) -> str:
    """Put a failed job back in its queue and return its new id.

    The caller has already removed the job from the failed queue; when the
    publish fails the job is stored there again.

    Raises:
        WagateError: 503 when the broker did not store the job; 409 when the
            job cannot be retried (a ``messages`` job whose record is no longer
            failed, or a payload that is not a job).
    """
    try:
        if job.queue is FailedQueueName.WEBHOOKS:
            return await _requeue_delivery(js, job)
        return await _requeue_send(job, messages, commands)
    except (NatsError, TimeoutError) as error:
        await _restore(js, job)
        raise WagateError(
            503, ErrorCode.NOT_READY, "the message broker is unavailable; try again"
        ) from error
    except WagateError:
        await _restore(js, job)
        raise


async def _requeue_delivery(js: JetStreamContext, job: FailedJob) -> str:
    webhook_id = job.references.get("webhookId")
    event_id = job.references.get("eventId")
    if not webhook_id or not event_id:
        raise WagateError(
            409,
            ErrorCode.JOB_NOT_RETRYABLE,
            f"failed job '{job.id}' names no webhook, so it cannot be retried",
        )
    new_job_id = new_id("job")
    headers = {
        "Nats-Msg-Id": new_job_id,
        JOB_ID_HEADER: new_job_id,
        EVENT_ID_HEADER: event_id,
        WEBHOOK_ID_HEADER: webhook_id,
        SESSION_ID_HEADER: job.session_id or "",
        ATTEMPT_HEADER: "1",
        FIRST_ATTEMPT_AT_HEADER: now_text(),
    }
    await js.publish(
        subjects.delivery(webhook_id),
        job.payload,
        headers=headers,
        timeout=PUBLISH_TIMEOUT_SECONDS,
    )
    return new_job_id


async def _requeue_send(
    job: FailedJob, messages: MessageRepository, commands: CommandPublisher
) -> str:
    try:
        command = SendCommand.model_validate_json(job.payload)
    except ValidationError as error:
        raise WagateError(
            409,
            ErrorCode.JOB_NOT_RETRYABLE,
            f"failed job '{job.id}' is not a valid send command, so it cannot be retried",
        ) from error
    if await messages.requeue(command.message_id) is None:
        raise WagateError(
            409,
            ErrorCode.JOB_NOT_RETRYABLE,
            f"message '{command.message_id}' is no longer failed, so there is nothing"
            " to retry; discard the job instead",
        )
    # A new command id: the broker would drop a repeat of the old one as a
    # duplicate while it is within the duplicate window.
    retry = command.model_copy(update={"id": new_id("cmd")})
    try:
        await commands.publish(retry)
    except WagateError:
        await messages.mark_failed(command.message_id, job.last_error)
        raise
    return retry.id


async def _restore(js: JetStreamContext, job: FailedJob) -> None:
    # The first add's de-duplication id may still be in the duplicate window.
    restored = replace(job, deduplication_id=new_id("restore"))
    try:
        await FailedQueue(js).add(restored)
    except (NatsError, TimeoutError, NotFoundError):
        logger.exception("failed job lost while requeueing", extra={"job_id": job.id})

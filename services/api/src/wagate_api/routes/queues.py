"""Queue routes: counts, and the failed queue's list, retry and discard."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Deleted, Envelope, ListEnvelope, PageInfo
from wagate_api.models.queues import FailedJobPublic, QueuesStats, RetryAccepted
from wagate_api.queues import read_stats, requeue
from wagate_api.routes.common import Cursor, Limit
from wagate_api.routing import CheckedRoute
from wagate_common.broker.failed import FailedJob, FailedQueue, FailedQueueName
from wagate_common.errors import ErrorCode, NotFoundError, WagateError

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/queues", tags=["queues"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("queues"))]
QueueFilter = Annotated[
    FailedQueueName | None, Query(description="Only jobs of this queue.")
]


@router.get("/stats", response_model=Envelope[QueuesStats])
async def get_stats(context: Context, caller: Caller) -> Envelope[QueuesStats]:
    """Count pending, in-flight, redelivered, failed and completed jobs per queue."""
    return Envelope(data=await read_stats(context.infra.js))


@router.get("/failed", response_model=ListEnvelope[FailedJobPublic])
async def list_failed(
    context: Context,
    caller: Caller,
    queue: QueueFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListEnvelope[FailedJobPublic]:
    """List failed jobs, oldest first; a session-bound key gets its sessions' only."""
    after = _parse_cursor(cursor)
    jobs, next_sequence = await FailedQueue(context.infra.js).list_page(
        queue, after, limit
    )
    visible = [to_public(job) for job in jobs if _visible(caller, job)]
    next_cursor = str(next_sequence) if next_sequence is not None else None
    return ListEnvelope(data=visible, page=PageInfo(next=next_cursor, limit=limit))


@router.post(
    "/failed/{queue}/{job_id}/retry",
    status_code=202,
    response_model=Envelope[RetryAccepted],
)
async def retry_failed(
    queue: FailedQueueName, job_id: str, context: Context, caller: Caller
) -> Envelope[RetryAccepted]:
    """Put a failed job back in its queue, payload unchanged; it leaves the list."""
    job = await _take(context, caller, queue, job_id)
    new_id = await requeue(context.infra.js, job, context.messages, context.commands)
    logger.info(
        "failed job requeued",
        extra={"queue": queue.value, "job_id": job_id, "requeued_as": new_id},
    )
    return Envelope(data=RetryAccepted(id=job_id, queue=queue.value, requeued_as=new_id))


@router.delete("/failed/{queue}/{job_id}", response_model=Envelope[Deleted])
async def discard_failed(
    queue: FailedQueueName, job_id: str, context: Context, caller: Caller
) -> Envelope[Deleted]:
    """Discard a failed job for good."""
    await _take(context, caller, queue, job_id)
    logger.info("failed job discarded", extra={"queue": queue.value, "job_id": job_id})
    return Envelope(data=Deleted(id=job_id))


def to_public(job: FailedJob) -> FailedJobPublic:
    """Render a failed job with its payload decoded as JSON."""
    return FailedJobPublic(
        id=job.id,
        queue=job.queue.value,
        failed_at=job.failed_at,
        attempts=job.attempts,
        last_error=job.last_error,
        payload=job.payload_json(),
        first_attempt_at=job.first_attempt_at,
        session_id=job.session_id,
        webhook_id=job.references.get("webhookId"),
        event_id=job.references.get("eventId"),
        message_id=job.references.get("messageId"),
    )


async def _take(
    context: ApiContext, caller: Principal, queue: FailedQueueName, job_id: str
) -> FailedJob:
    """Remove a job from the failed queue and return it, or raise 404.

    Deleting by stream sequence succeeds for one caller only, so two
    concurrent retries of one job requeue it once.
    """
    failed = FailedQueue(context.infra.js)
    job = await failed.get(queue, job_id)
    if job is None or not _visible(caller, job) or not await failed.remove(job):
        raise NotFoundError(ErrorCode.JOB_NOT_FOUND, "failed job", job_id)
    return job


def _visible(caller: Principal, job: FailedJob) -> bool:
    if not caller.session_ids:
        return True
    return job.session_id is not None and caller.can_see(job.session_id)


def _parse_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            "cursor must be the page.next of an earlier page",
            {"fields": [{"field": "cursor", "message": "not a cursor"}]},
        )
    return int(cursor)

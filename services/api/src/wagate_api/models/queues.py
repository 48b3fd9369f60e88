"""Response bodies of the queue routes."""

from __future__ import annotations

from typing import Any

from wagate_common.schemas.base import WireModel


class QueueStats(WireModel):
    """Counts of one queue, read from its stream and consumers (see docs/api.md)."""

    pending: int
    in_flight: int
    redelivered: int
    failed: int
    completed: int
    scheduled: int = 0


class QueuesStats(WireModel):
    """Counts of every queue."""

    messages: QueueStats
    webhooks: QueueStats


class FailedJobPublic(WireModel):
    """A job that exhausted its retries, with its payload as it was queued."""

    id: str
    queue: str
    failed_at: str
    attempts: int
    last_error: str
    payload: Any
    first_attempt_at: str | None = None
    session_id: str | None = None
    webhook_id: str | None = None
    event_id: str | None = None
    message_id: str | None = None


class RetryAccepted(WireModel):
    """The response to a retry: the job is back in its queue under a new id."""

    id: str
    queue: str
    requeued_as: str

"""Gauges of stream and consumer depths, refreshed from JetStream periodically."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from wagate_common.broker import subjects
from wagate_common.broker.failed import FailedQueue, FailedQueueName
from wagate_dispatcher.consumer import DELIVERIES_DURABLE_NAME, DURABLE_NAME
from wagate_dispatcher.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    FAILED_QUEUE_JOBS,
    STREAM_MESSAGES,
)

logger = logging.getLogger(__name__)

STREAMS = (subjects.EVENTS_STREAM, subjects.DELIVERIES_STREAM, subjects.FAILED_STREAM)
CONSUMERS = (
    (subjects.EVENTS_STREAM, DURABLE_NAME),
    (subjects.DELIVERIES_STREAM, DELIVERIES_DURABLE_NAME),
)


class DepthMonitor:
    """Reads stream and consumer state every ``interval_seconds`` into gauges."""

    def __init__(self, js: JetStreamContext, interval_seconds: float) -> None:
        self._js = js
        self._failed = FailedQueue(js)
        self._interval_seconds = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        """Start refreshing in the background."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="depth-monitor")

    async def stop(self) -> None:
        """Stop refreshing."""
        if self._task is not None:
            # nats-py can swallow a cancellation that arrives during a request,
            # so the loop also checks the event before it waits again.
            self._stopping.set()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self) -> None:
        """Read every stream's and consumer's state once."""
        for stream in STREAMS:
            info = await self._js.stream_info(stream)
            STREAM_MESSAGES.labels(stream=stream).set(info.state.messages)
        for stream, durable in CONSUMERS:
            consumer = await self._js.consumer_info(stream, durable)
            labels = {"stream": stream, "consumer": durable}
            CONSUMER_PENDING.labels(**labels).set(consumer.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(**labels).set(consumer.num_ack_pending or 0)
        for queue in FailedQueueName:
            FAILED_QUEUE_JOBS.labels(queue=queue.value).set(
                await self._failed.count(queue)
            )

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.refresh()
            except (NatsError, TimeoutError) as error:
                logger.debug(
                    "reading stream depths failed",
                    extra={"error": f"{type(error).__name__}: {error}"},
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval_seconds)

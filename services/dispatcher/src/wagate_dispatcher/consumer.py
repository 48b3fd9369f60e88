"""Durable pull consumers: events off EVENTS, delivery jobs off DELIVERIES."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from wagate_common.broker.subjects import (
    DELIVERIES_ALL,
    EVENTS_ALL,
)
from wagate_dispatcher.errors import InvalidEventError, InvalidJobError, WebhookBusyError

logger = logging.getLogger(__name__)

DURABLE_NAME = "dispatcher"
DELIVERIES_DURABLE_NAME = "deliveries"
ACK_WAIT_SECONDS = 30.0
# While a handler runs, the message's ack deadline is pushed back this often
# (or every third of a shorter ack wait), so a long handler is not redelivered
# meanwhile.
PROGRESS_INTERVAL_SECONDS = 10.0
# Unacknowledged messages of one consumer across every dispatcher replica. A
# replica holds at most its fetch batch size in handlers, plus, on DELIVERIES,
# the jobs it returned for a busy webhook until their short delay ends.
MAX_ACK_PENDING = 4096
FETCH_RETRY_SECONDS = 1.0
HANDLER_FAILURE_DELAY_SECONDS = 5.0
# A job whose webhook has every slot taken goes back to the stream for about
# this long (plus up to half again, at random), then is fetched again.
BUSY_DELAY_SECONDS = 1.0

MessageHandler = Callable[[Msg], Awaitable[object]]


def consumer_config(ack_wait_seconds: float = ACK_WAIT_SECONDS) -> ConsumerConfig:
    """Return the event consumer's configuration, the same in every replica."""
    return ConsumerConfig(
        name=DURABLE_NAME,
        durable_name=DURABLE_NAME,
        filter_subject=EVENTS_ALL,
        # The first dispatcher of a deployment also delivers the events
        # published before it started (the stream keeps them for 7 days).
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait_seconds,
        max_ack_pending=MAX_ACK_PENDING,
    )


def deliveries_consumer_config(
    ack_wait_seconds: float = ACK_WAIT_SECONDS,
) -> ConsumerConfig:
    """Return the delivery job consumer's configuration, the same in every replica.

    Its filter leaves out the scheduled retries (``wagate.dlvsched.>``): the
    server publishes each to ``wagate.dlv.<webhook>`` when it is due.
    """
    return ConsumerConfig(
        name=DELIVERIES_DURABLE_NAME,
        durable_name=DELIVERIES_DURABLE_NAME,
        filter_subject=DELIVERIES_ALL,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait_seconds,
        max_ack_pending=MAX_ACK_PENDING,
    )


class JetStreamConsumer:
    """Fetches messages in batches and runs the handler on each, acking after it.

    Every dispatcher process binds the same durable consumer, so JetStream
    shares the messages among them. Up to ``batch_size`` messages are handled
    concurrently. Each fetch requests only as many messages as there are free
    slots, so a slow message occupies only its own slot.
    """

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        config: ConsumerConfig,
        handler: MessageHandler,
        *,
        batch_size: int,
        fetch_wait_seconds: float,
    ) -> None:
        self._js = js
        self._stream = stream
        self._config = config
        self._durable = config.durable_name or ""
        ack_wait = config.ack_wait or ACK_WAIT_SECONDS
        self._progress_seconds = min(PROGRESS_INTERVAL_SECONDS, ack_wait / 3)
        self._handler = handler
        self._batch_size = batch_size
        self._fetch_wait_seconds = fetch_wait_seconds
        self._subscription: Any = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._fetch_failures = 0

    @property
    def is_running(self) -> bool:
        """Whether the fetch loop is running."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Create or update the durable consumer, bind to it and start fetching."""
        # Creating an existing consumer updates it in place (checked on
        # nats-server 2.15.1), so concurrent replicas may all do it.
        await self._js.add_consumer(self._stream, self._config)
        self._subscription = await self._js.pull_subscribe_bind(
            durable=self._durable, stream=self._stream
        )
        self._stopping.clear()
        self._task = asyncio.create_task(
            self._fetch_loop(), name=f"consumer-{self._durable}"
        )
        logger.info(
            "consumer started", extra={"stream": self._stream, "consumer": self._durable}
        )

    async def stop(self, grace_seconds: float) -> None:
        """Stop fetching and give handlers in flight ``grace_seconds`` to finish.

        A handler still running after that is cancelled and its message is
        negatively acknowledged, so another dispatcher takes it at once.
        """
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if pending:
                logger.warning(
                    "cancelled handlers in flight",
                    extra={"consumer": self._durable, "messages": len(pending)},
                )

        if self._subscription is not None:
            with contextlib.suppress(NatsError):
                await self._subscription.unsubscribe()
            self._subscription = None
        logger.info("consumer stopped", extra={"consumer": self._durable})

    async def _fetch_loop(self) -> None:
        while not self._stopping.is_set():
            free_slots = self._batch_size - len(self._in_flight)
            if free_slots <= 0:
                await self._wait_for_free_slot()
                continue
            for message in await self._fetch(free_slots):
                task = asyncio.create_task(self._handle(message))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)

    async def _wait_for_free_slot(self) -> None:
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait(
                {*self._in_flight, stopping}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()

    async def _fetch(self, count: int) -> list[Msg]:
        messages: list[Msg] = []
        try:
            messages = await self._subscription.fetch(
                count, timeout=self._fetch_wait_seconds
            )
        except TimeoutError:
            pass  # no message within the fetch wait
        except NatsError as error:
            self._report_fetch_failure(error)
            await asyncio.sleep(FETCH_RETRY_SECONDS)
            return []

        if self._fetch_failures:
            logger.info(
                "fetching again",
                extra={"consumer": self._durable, "failures": self._fetch_failures},
            )
            self._fetch_failures = 0
        return messages

    def _report_fetch_failure(self, error: NatsError) -> None:
        # One warning per outage; the retries that follow are logged at DEBUG.
        self._fetch_failures += 1
        level = logging.WARNING if self._fetch_failures == 1 else logging.DEBUG
        logger.log(
            level,
            "fetching failed; retrying every %.0f s",
            FETCH_RETRY_SECONDS,
            extra={
                "consumer": self._durable,
                "error": f"{type(error).__name__}: {error}",
            },
        )

    async def _handle(self, message: Msg) -> None:
        progress = asyncio.create_task(_report_progress(message, self._progress_seconds))
        try:
            await self._handler(message)
        except (InvalidEventError, InvalidJobError) as error:
            logger.warning("dropping invalid message", extra=_describe(message, error))
            await _settle(message.term())
        except WebhookBusyError:
            delay = BUSY_DELAY_SECONDS * (1 + random.random() / 2)
            await _settle(message.nak(delay=delay))
        except asyncio.CancelledError:
            await _settle(message.nak())
            raise
        except Exception as error:
            logger.exception("message handler failed", extra=_describe(message, error))
            await _settle(message.nak(delay=HANDLER_FAILURE_DELAY_SECONDS))
        else:
            await _settle(message.ack())
        finally:
            progress.cancel()


async def _report_progress(message: Msg, interval_seconds: float) -> None:
    while True:
        await asyncio.sleep(interval_seconds)
        with contextlib.suppress(NatsError):
            await message.in_progress()


async def _settle(acknowledgement: Awaitable[None]) -> None:
    try:
        await acknowledgement
    except NatsError as error:
        # The message stays unacknowledged, so JetStream redelivers it after
        # the ack wait.
        logger.warning(
            "acknowledging a message failed",
            extra={"error": f"{type(error).__name__}: {error}"},
        )


def _describe(message: Msg, error: Exception) -> dict[str, object]:
    return {
        "subject": message.subject,
        "stream_sequence": message.metadata.sequence.stream,
        "error": str(error),
    }

"""The durable pull consumer of one shard's commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from wagate_common.broker import subjects
from wagate_common.schemas.commands import parse_command
from wagate_worker.commands.delivery import CommandDelivery
from wagate_worker.metrics import COMMANDS_HANDLED
from wagate_worker.settings import WorkerSettings

logger = logging.getLogger(__name__)

FETCH_RETRY_SECONDS = 1.0
ROUTE_FAILURE_DELAY_SECONDS = 5.0

CommandRoute = Callable[[CommandDelivery], Awaitable[None]]


def consumer_name(shard: int) -> str:
    """Return the durable name of a shard's consumer, ``shard-<n>``."""
    return f"shard-{shard}"


def consumer_config(shard: int, settings: WorkerSettings) -> ConsumerConfig:
    """Return the configuration of a shard's consumer, the same in every worker."""
    name = consumer_name(shard)
    return ConsumerConfig(
        name=name,
        durable_name=name,
        filter_subject=subjects.shard_commands(shard),
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=settings.command_ack_wait_seconds,
        max_ack_pending=settings.command_max_pending,
    )


class ShardCommandConsumer:
    """Fetches one shard's commands and hands each to ``route``.

    The consumer is durable and outlives the worker: a shard's next owner binds
    to it and gets every command not acknowledged yet. Commands arrive in
    stream order, and ``route`` is awaited for each before the next, so that the
    per-session order survives. While a command stays unsettled (queued behind
    others or held for a connection) the consumer reports progress on it, so
    that JetStream does not deliver it again meanwhile.
    """

    def __init__(
        self,
        js: JetStreamContext,
        shard: int,
        route: CommandRoute,
        settings: WorkerSettings,
    ) -> None:
        self.shard = shard
        self._js = js
        self._route = route
        self._settings = settings
        self._subscription: Any = None
        self._unsettled: dict[int, CommandDelivery] = {}
        self._stopping = asyncio.Event()
        self._fetch_task: asyncio.Task[None] | None = None
        self._progress_task: asyncio.Task[None] | None = None
        self._fetch_failures = 0

    async def start(self) -> None:
        """Create or update the durable consumer, bind to it and start fetching."""
        name = consumer_name(self.shard)
        # Adding an existing consumer with this configuration updates it in place,
        # so every owner of the shard may do it.
        await self._js.add_consumer(
            subjects.COMMANDS_STREAM, consumer_config(self.shard, self._settings)
        )
        self._subscription = await self._js.pull_subscribe_bind(
            durable=name, stream=subjects.COMMANDS_STREAM
        )
        self._fetch_task = asyncio.create_task(
            self._fetch_loop(), name=f"commands-{name}"
        )
        self._progress_task = asyncio.create_task(
            self._report_progress(), name=f"progress-{name}"
        )
        logger.info("command consumer started", extra={"consumer": name})

    async def stop(self, graceful: bool) -> None:
        """Stop fetching; ``graceful`` waits for the current fetch to return.

        Commands already routed stay with their sessions, which settle them.
        """
        self._stopping.set()
        tasks = [task for task in (self._fetch_task, self._progress_task) if task]
        if self._progress_task is not None:
            self._progress_task.cancel()
        if self._fetch_task is not None and not graceful:
            self._fetch_task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._fetch_task = self._progress_task = None

        if self._subscription is not None:
            with contextlib.suppress(NatsError):
                await self._subscription.unsubscribe()
            self._subscription = None
        logger.info(
            "command consumer stopped", extra={"consumer": consumer_name(self.shard)}
        )

    async def _fetch_loop(self) -> None:
        while not self._stopping.is_set():
            for msg in await self._fetch():
                await self._dispatch(msg)

    async def _fetch(self) -> list[Msg]:
        try:
            messages: list[Msg] = await self._subscription.fetch(
                self._settings.fetch_batch_size,
                timeout=self._settings.fetch_wait_seconds,
            )
        except TimeoutError:
            return []  # no command within the fetch wait
        except NatsError as error:
            self._report_fetch_failure(error)
            await asyncio.sleep(FETCH_RETRY_SECONDS)
            return []

        if self._fetch_failures:
            logger.info("fetching commands again", extra={"shard": self.shard})
            self._fetch_failures = 0
        return messages

    def _report_fetch_failure(self, error: NatsError) -> None:
        # One warning per outage; the retries that follow are logged at DEBUG.
        self._fetch_failures += 1
        level = logging.WARNING if self._fetch_failures == 1 else logging.DEBUG
        logger.log(
            level,
            "fetching commands failed; retrying every %.0f s",
            FETCH_RETRY_SECONDS,
            extra={"shard": self.shard, "error": repr(error)},
        )

    async def _dispatch(self, msg: Msg) -> None:
        try:
            command = parse_command(msg.data)
        except ValidationError as error:
            logger.warning(
                "dropping invalid command",
                extra={"shard": self.shard, "subject": msg.subject, "error": str(error)},
            )
            COMMANDS_HANDLED.labels(type="unknown", outcome="invalid").inc()
            with contextlib.suppress(NatsError):
                await msg.term()
            return

        sequence = msg.metadata.sequence.stream
        known = self._unsettled.get(sequence)
        if known is not None:
            # Delivered again before this worker settled it, because a progress
            # report came late. The copy already queued settles through the new message.
            known.redelivered(msg)
            return

        delivery = CommandDelivery(msg, command, self._forget)
        self._unsettled[sequence] = delivery
        try:
            await self._route(delivery)
        except Exception:
            logger.exception("routing a command failed", extra=delivery.describe())
            await delivery.nak("error", delay=ROUTE_FAILURE_DELAY_SECONDS)

    def _forget(self, delivery: CommandDelivery) -> None:
        self._unsettled.pop(delivery.sequence, None)

    async def _report_progress(self) -> None:
        interval = self._settings.command_ack_wait_seconds / 3
        while True:
            await asyncio.sleep(interval)
            for delivery in list(self._unsettled.values()):
                await delivery.in_progress()

"""The session runtimes of this worker, and how commands and claims reach them."""

from __future__ import annotations

import asyncio
import logging
import time

from wagate_common.schemas.commands import LogoutCommand, SendCommand
from wagate_common.schemas.sessions import DesiredStatus, SessionStatus
from wagate_common.shards import shard_of
from wagate_common.storage.database import Document
from wagate_worker.commands.delivery import CommandDelivery
from wagate_worker.sessions.context import RuntimeContext
from wagate_worker.sessions.outbox import PendingSend
from wagate_worker.sessions.runtime import UNUSABLE_STATUSES, SessionRuntime
from wagate_worker.sessions.sending import MessageSender
from wagate_worker.sessions.status import LIVE_STATUSES, StatusReporter

logger = logging.getLogger(__name__)

SESSION_NOT_FOUND = "the session does not exist"


class SessionRegistry:
    """Creates runtimes on demand and stops them with their shard.

    Commands are accepted only for open shards, so that a command fetched
    while its shard is being released goes back to the stream instead of
    starting a session no lease covers.
    """

    def __init__(self, context: RuntimeContext) -> None:
        self._context = context
        self._runtimes: dict[str, SessionRuntime] = {}
        self._open_shards: set[int] = set()

    def get(self, session_id: str) -> SessionRuntime | None:
        """Return the runtime of a session, if this worker runs it."""
        return self._runtimes.get(session_id)

    def __len__(self) -> int:
        return len(self._runtimes)

    async def open_shard(self, shard: int) -> None:
        """Accept the shard's commands and bring its sessions to their desired status."""
        self._open_shards.add(shard)
        records = await self._context.sessions.list_by_shard(shard)
        for record in records:
            await self._reconcile(shard, record)
        # Most shards of a small deployment are empty, so only shards with
        # sessions are worth a line at the default level.
        level = logging.INFO if records else logging.DEBUG
        logger.log(
            level, "shard reconciled", extra={"shard": shard, "sessions": len(records)}
        )

    def close_shard(self, shard: int) -> None:
        """Stop accepting the shard's commands."""
        self._open_shards.discard(shard)

    async def stop_shard(self, shard: int, graceful: bool) -> None:
        """Stop every session of a shard; see :meth:`SessionRuntime.stop`."""
        self.close_shard(shard)
        runtimes = [r for r in self._runtimes.values() if r.shard == shard]
        await asyncio.gather(*(runtime.stop(graceful) for runtime in runtimes))
        for runtime in runtimes:
            self._forget(runtime)

    async def route(self, delivery: CommandDelivery) -> None:
        """Queue a command on its session's runtime, creating the runtime if needed."""
        shard = shard_of(delivery.session_id, self._context.settings.shards)
        if shard not in self._open_shards:
            await delivery.nak("requeued")
            return
        runtime = self._runtimes.get(delivery.session_id)
        if runtime is None:
            runtime = await self._runtime_for_command(shard, delivery)
        if runtime is not None:
            runtime.enqueue(delivery)

    async def _reconcile(self, shard: int, record: Document) -> None:
        session_id = record["_id"]
        status = SessionStatus(record["status"])
        if record.get("desiredStatus") == DesiredStatus.CONNECTED.value:
            # A logged-out or failed session waits for someone to connect it.
            if status not in UNUSABLE_STATUSES:
                self._ensure_runtime(shard, record).request_connect()
            return
        if status in LIVE_STATUSES and session_id not in self._runtimes:
            # Left live by a worker that died; nothing runs it now.
            await StatusReporter(self._context, session_id, record).release()

    async def _runtime_for_command(
        self, shard: int, delivery: CommandDelivery
    ) -> SessionRuntime | None:
        record = await self._context.sessions.get(delivery.session_id)
        # The read above awaited: the shard may have closed, or another command
        # may have created the runtime, meanwhile.
        if shard not in self._open_shards:
            await delivery.nak("requeued")
            return None
        runtime = self._runtimes.get(delivery.session_id)
        if runtime is not None:
            return runtime
        if record is not None:
            return self._ensure_runtime(shard, record)

        command = delivery.command
        if isinstance(command, LogoutCommand) and command.driver is not None:
            # The api deletes the record right after queueing the logout.
            return self._start_runtime(
                shard, delivery.session_id, command.driver.value, None
            )
        await self._settle_without_session(delivery)
        return None

    async def _settle_without_session(self, delivery: CommandDelivery) -> None:
        command = delivery.command
        if isinstance(command, SendCommand):
            pending = PendingSend(delivery, command, held_since=time.monotonic())
            await MessageSender(self._context, delivery.session_id).fail(
                pending, SESSION_NOT_FOUND
            )
            return
        if isinstance(command, LogoutCommand):
            await self._context.auth.delete(delivery.session_id)
        logger.info("command for an unknown session skipped", extra=delivery.describe())
        await delivery.ack("skipped")

    def _ensure_runtime(self, shard: int, record: Document) -> SessionRuntime:
        runtime = self._runtimes.get(record["_id"])
        if runtime is None:
            runtime = self._start_runtime(shard, record["_id"], record["driver"], record)
        return runtime

    def _start_runtime(
        self, shard: int, session_id: str, driver: str, record: Document | None
    ) -> SessionRuntime:
        runtime = SessionRuntime(
            self._context, session_id, shard, driver, record, on_closed=self._forget
        )
        self._runtimes[session_id] = runtime
        runtime.start()
        return runtime

    def _forget(self, runtime: SessionRuntime) -> None:
        if self._runtimes.get(runtime.session_id) is runtime:
            del self._runtimes[runtime.session_id]

"""A sandbox device's push subject and the task that handles its pushes in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from wagate_common.schemas.sandbox import Ack, Push, push_adapter

logger = logging.getLogger(__name__)


class DeviceChannel:
    """The device subject of one connection, and the task that handles its pushes.

    Pushes wait until :meth:`open` is called, so that the reply to ``connect``
    is handled before any push that the network sent after it.
    """

    def __init__(self, handle: Callable[[Push], Awaitable[None]]) -> None:
        self._handle = handle
        self._queue: asyncio.Queue[Msg | None] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._accepting = True
        self._subscription: Subscription | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, nats: Client, subject: str) -> None:
        """Subscribe to the device subject and start the push task."""
        self._subscription = await nats.subscribe(subject, cb=self._enqueue)
        await nats.flush()
        self.task = asyncio.create_task(self._run(), name=f"sandbox-{subject}")

    def open(self) -> None:
        """Let the push task handle pushes."""
        self._ready.set()

    async def close(self) -> None:
        """Unsubscribe and reject the pushes not handled yet, without waiting."""
        if not self._accepting:
            return
        self._accepting = False
        if self._subscription is not None:
            # A closed connection raises here, and its subscriptions are gone anyway.
            with contextlib.suppress(nats.errors.Error):
                await self._subscription.unsubscribe()
        self._queue.put_nowait(None)
        self._ready.set()

    async def _enqueue(self, msg: Msg) -> None:
        # The NATS callback only queues: handling a push here could unsubscribe
        # from inside this callback, which cancels the callback's own task.
        self._queue.put_nowait(msg)

    async def _run(self) -> None:
        await self._ready.wait()
        while (msg := await self._queue.get()) is not None:
            if not self._accepting:
                await _answer(msg, ok=False)
                continue
            await _answer(msg, ok=await self._handle_raw(msg.data))
        while not self._queue.empty():
            leftover = self._queue.get_nowait()
            if leftover is not None:
                await _answer(leftover, ok=False)

    async def _handle_raw(self, data: bytes) -> bool:
        try:
            push = push_adapter.validate_json(data)
        except ValidationError:
            # Rejecting it would only make the network push it again for ever.
            logger.warning("invalid sandbox push ignored", extra={"bytes": len(data)})
            return True
        try:
            await self._handle(push)
        except Exception:
            logger.exception("sandbox push handling failed", extra={"push": push.kind})
            return False
        return True


async def _answer(msg: Msg, ok: bool) -> None:
    try:
        await msg.respond(Ack(ok=ok).to_wire())
    except nats.errors.Error:
        logger.warning("sandbox push could not be acknowledged", extra={"ok": ok})

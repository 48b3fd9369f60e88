"""Serving sandbox requests: one subscription per operation, one task per request.

Each request runs in its own task, so a push that waits for a slow device
holds up only its own request. Every outcome becomes a :class:`Reply`: the
handler's data, the :class:`WagateError` it raised, or a 500 for any other
exception. That exception is logged, and the subscription keeps running.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from wagate_common.errors import ErrorCode, WagateError
from wagate_common.schemas.sandbox import Reply, ReplyError

logger = logging.getLogger(__name__)

# Only one sandbox instance handles each request, even if several subscribe.
QUEUE_GROUP = "wagate-sandbox"


@dataclass(frozen=True)
class Answer:
    """A handler's result: the reply data, and work to do once the reply is sent."""

    data: dict[str, Any]
    # Pushes that the device must receive after the reply, such as the first QR
    # code or the pushes kept while it was offline.
    after_reply: Callable[[], Awaitable[None]] | None = None


Handler = Callable[[bytes], Awaitable[Answer]]


class RequestRouter:
    """Subscribes handlers to their subjects and replies to every request."""

    def __init__(self, nats: Client, handlers: dict[str, Handler]) -> None:
        self._nats = nats
        self._handlers = handlers
        self._subscriptions: list[Subscription] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Subscribe every handler."""
        for subject, handler in self._handlers.items():
            callback = partial(self._receive, subject, handler)
            subscription = await self._nats.subscribe(
                subject, queue=QUEUE_GROUP, cb=callback
            )
            self._subscriptions.append(subscription)
        await self._nats.flush()

    async def stop(self, grace_seconds: float) -> None:
        """Unsubscribe, let requests in flight finish for a while, cancel the rest."""
        for subscription in self._subscriptions:
            await subscription.unsubscribe()
        self._subscriptions.clear()

        if self._tasks:
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.wait(unfinished)
                logger.warning(
                    "requests cancelled at stop", extra={"count": len(unfinished)}
                )

    async def _receive(self, subject: str, handler: Handler, msg: Msg) -> None:
        task = asyncio.create_task(self._answer(subject, handler, msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, subject: str, handler: Handler, msg: Msg) -> None:
        started = time.monotonic()
        extra = {"subject": subject, "session_id": _session_of(msg.data)}
        answer: Answer | None = None
        try:
            answer = await handler(msg.data)
            reply = Reply(ok=True, data=answer.data)
        except WagateError as error:
            reply = _error_reply(error.status, error.code, error.message)
            extra["code"] = error.code.value
        except Exception:
            logger.exception("request failed", extra=extra)
            reply = _error_reply(
                500, ErrorCode.INTERNAL_ERROR, "the sandbox failed to handle the request"
            )

        await self._respond(msg, reply, extra)
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        logger.info("request handled", extra={**extra, "duration_ms": duration_ms})

        if answer is not None and answer.after_reply is not None:
            try:
                await answer.after_reply()
            except Exception:
                logger.exception("work after the reply failed", extra=extra)

    async def _respond(self, msg: Msg, reply: Reply, extra: dict[str, Any]) -> None:
        if not msg.reply:
            logger.warning("request without a reply subject", extra=extra)
            return
        try:
            await msg.respond(reply.to_wire())
        except Exception:
            logger.exception("reply could not be sent", extra=extra)


def _error_reply(status: int, code: ErrorCode, message: str) -> Reply:
    return Reply(
        ok=False, error=ReplyError(status=status, code=code.value, message=message)
    )


def _session_of(raw: bytes) -> str | None:
    """Return the request's session id for log lines, before it is validated."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    session_id = body.get("sessionId") if isinstance(body, dict) else None
    return session_id[:64] if isinstance(session_id, str) else None

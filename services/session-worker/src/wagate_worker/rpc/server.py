"""The worker's side of live requests: one core NATS subscription per owned shard.

Requests arrive on ``wagate.rpc.<shard>.<session>.<operation>``. Each runs in
its own task, so a slow group call does not hold up other requests of the
shard. Every request gets a :class:`Reply`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from wagate_common.broker import subjects
from wagate_common.schemas.replies import Reply, ReplyError
from wagate_common.schemas.rpc import RpcOperation
from wagate_worker.drivers.base import DriverRequestError
from wagate_worker.rpc.operations import InvalidRequestError, LiveOperations
from wagate_worker.sessions.registry import SessionRegistry

logger = logging.getLogger(__name__)

# wagate.rpc.<shard>.<session>.<operation>, where the operation has a dot itself.
_SUBJECT_PREFIX_TOKENS = 2


@dataclass(frozen=True)
class RpcTarget:
    """The session and operation a request subject names."""

    session_id: str
    operation: RpcOperation


def parse_subject(subject: str) -> RpcTarget | None:
    """Return the session and operation of a request subject, or None if unknown."""
    tokens = subject.split(".")
    if len(tokens) < _SUBJECT_PREFIX_TOKENS + 3:
        return None
    session_id = tokens[_SUBJECT_PREFIX_TOKENS + 1]
    name = ".".join(tokens[_SUBJECT_PREFIX_TOKENS + 2 :])
    try:
        return RpcTarget(session_id, RpcOperation(name))
    except ValueError:
        return None


def error_reply(status: int, code: str, message: str) -> Reply:
    """Return a failed reply with the envelope's status, code and message."""
    return Reply(ok=False, error=ReplyError(status=status, code=code, message=message))


class RpcServer:
    """Replies to the live requests of the shards this worker owns."""

    def __init__(
        self,
        nats: Client,
        registry: SessionRegistry,
        operations: LiveOperations,
        timeout_seconds: float,
    ) -> None:
        self._nats = nats
        self._registry = registry
        self._operations = operations
        self._timeout = timeout_seconds
        self._subscriptions: dict[int, Subscription] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def shards(self) -> frozenset[int]:
        """The shards whose live requests this worker is subscribed to."""
        return frozenset(self._subscriptions)

    async def open_shard(self, shard: int) -> None:
        """Start answering the shard's requests."""
        if shard in self._subscriptions:
            return
        subscription = await self._nats.subscribe(
            subjects.shard_rpc(shard), cb=self._on_request
        )
        self._subscriptions[shard] = subscription
        logger.debug("live requests of shard subscribed", extra={"shard": shard})

    async def close_shard(self, shard: int) -> None:
        """Stop answering the shard's requests; requests under way still get a reply."""
        subscription = self._subscriptions.pop(shard, None)
        if subscription is None:
            return
        try:
            await subscription.unsubscribe()
        except NatsError as error:
            # The connection is closing: the server drops the interest anyway.
            logger.warning(
                "unsubscribing live requests failed",
                extra={"shard": shard, "error": repr(error)},
            )
        logger.debug("live requests of shard unsubscribed", extra={"shard": shard})

    async def close(self) -> None:
        """Unsubscribe every shard and cancel the requests under way."""
        for shard in list(self._subscriptions):
            await self.close_shard(shard)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _on_request(self, msg: Msg) -> None:
        # nats-py awaits this callback before it delivers the subscription's
        # next message, so the work runs in a task of its own.
        # NOTE: nothing caps the requests in flight; only the api's rate
        # limits and the per-request timeout bound them.
        task = asyncio.create_task(self._handle(msg), name=f"rpc {msg.subject}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, msg: Msg) -> None:
        if not msg.reply:
            # A publish rather than a request: nobody waits for the outcome,
            # so the operation is not run at all.
            logger.warning(
                "live request without a reply subject ignored",
                extra={"subject": msg.subject},
            )
            return
        reply = await self._build_reply(msg.subject, msg.data)
        try:
            await msg.respond(reply.to_wire())
        except NatsError as error:
            logger.warning(
                "replying to a live request failed",
                extra={"subject": msg.subject, "error": repr(error)},
            )

    async def _build_reply(self, subject: str, body: bytes) -> Reply:
        target = parse_subject(subject)
        if target is None:
            logger.warning(
                "live request of an unknown operation", extra={"subject": subject}
            )
            return error_reply(404, "NOT_FOUND", f"unknown live operation in '{subject}'")
        log_extra = {"session_id": target.session_id, "operation": target.operation.value}

        runtime = self._registry.get(target.session_id)
        driver = runtime.driver if runtime is not None else None
        if runtime is None or driver is None or not runtime.is_connected:
            logger.info("live request for a session not connected here", extra=log_extra)
            return error_reply(
                409,
                "SESSION_NOT_CONNECTED",
                f"session '{target.session_id}' is not connected",
            )
        try:
            async with asyncio.timeout(self._timeout):
                data = await self._operations.run(
                    target.operation, target.session_id, driver, body
                )
        except InvalidRequestError as error:
            logger.info("live request invalid", extra={**log_extra, "error": str(error)})
            return error_reply(400, "VALIDATION_ERROR", str(error))
        except DriverRequestError as error:
            logger.info(
                "live request rejected by the driver",
                extra={**log_extra, "error": str(error)},
            )
            return error_reply(error.status, error.code, error.message)
        except TimeoutError:
            logger.warning("live request timed out", extra=log_extra)
            return error_reply(
                504,
                "WORKER_TIMEOUT",
                f"the request did not finish in {self._timeout:g} s",
            )
        except Exception:
            logger.exception("live request failed", extra=log_extra)
            return error_reply(
                500, "INTERNAL_ERROR", "the worker failed to run the request"
            )
        logger.debug("live request replied to", extra=log_extra)
        return Reply(ok=True, data=data)

"""A stand-in for the worker in the contacts and groups tests.

It subscribes on the real NATS server to the live request subject of one
session and operation, keeps each request body and sends a scripted reply.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.replies import Reply, ReplyError
from wagate_common.schemas.sessions import SessionStatus
from wagate_common.shards import shard_of

SHARDS = 8


def ok(data: dict[str, Any] | None = None) -> Reply:
    """Return a successful reply with ``data``."""
    return Reply(ok=True, data=data or {})


def failed(status: int, code: str, message: str) -> Reply:
    """Return the reply of a worker that rejected the request."""
    return Reply(ok=False, error=ReplyError(status=status, code=code, message=message))


class LiveWorker:
    """A stand-in for one operation of one session; a ``reply`` of None sends none."""

    def __init__(
        self, infra: Infrastructure, session_id: str, operation: str, reply: Reply | None
    ) -> None:
        self._infra = infra
        self._subject = subjects.rpc(shard_of(session_id, SHARDS), session_id, operation)
        self._reply = reply
        self._subscription: Subscription | None = None
        self.requests: list[dict[str, Any]] = []

    async def start(self) -> LiveWorker:
        """Subscribe and flush, so the first request already finds the subscription."""

        async def respond(message: Msg) -> None:
            self.requests.append(json.loads(message.data))
            if self._reply is not None:
                await message.respond(self._reply.to_wire())

        self._subscription = await self._infra.nats.subscribe(self._subject, cb=respond)
        await self._infra.nats.flush()
        return self

    async def stop(self) -> None:
        """Unsubscribe."""
        if self._subscription is not None:
            await self._subscription.unsubscribe()


class LiveWorkers:
    """The stand-in workers of one test, all stopped together at its end."""

    def __init__(self, infra: Infrastructure) -> None:
        self._infra = infra
        self._started: list[LiveWorker] = []

    async def serve(
        self, operation: str, reply: Reply | None, session_id: str = "bot"
    ) -> LiveWorker:
        """Start a stand-in that sends ``reply`` to every ``operation`` request."""
        worker = await LiveWorker(self._infra, session_id, operation, reply).start()
        self._started.append(worker)
        return worker

    async def stop(self) -> None:
        """Stop every stand-in started."""
        for worker in self._started:
            await worker.stop()


async def create_sessions(
    client: httpx.AsyncClient, infra: Infrastructure, status: SessionStatus
) -> None:
    """Create the sandbox sessions ``bot`` and ``other``; ``bot`` gets ``status``.

    The status is written straight into the record, as a worker would report it.
    """
    for session_id in ("bot", "other"):
        response = await client.post(
            "/v1/sessions", json={"id": session_id, "driver": "sandbox"}
        )
        assert response.status_code == 201, response.text
    await infra.db["sessions"].update_one(
        {"_id": "bot"}, {"$set": {"status": status.value}}
    )

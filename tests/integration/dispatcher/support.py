"""A local webhook receiver and helpers for the dispatcher's integration tests."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from nats.js import JetStreamContext
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from wagate_common.broker import subjects
from wagate_common.ids import new_id
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import Event, EventType
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.consumer import DURABLE_NAME

WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on a free loopback port that records every POST.

    The first path segment picks the response: ``ok`` 200, ``fail`` 500,
    ``redirect`` 302 to ``/ok/redirected``, ``hang`` none until the receiver
    stops. The second segment names the webhook.
    """

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._arrived = asyncio.Condition()
        self._release = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._port}{path}"

    def received(self, path: str) -> list[ReceivedRequest]:
        return [request for request in self.requests if request.path == path]

    async def wait_for(self, path: str, count: int = 1) -> list[ReceivedRequest]:
        async with asyncio.timeout(WAIT_SECONDS), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received(path)) >= count)
        return self.received(path)

    async def start(self) -> None:
        app = Starlette(
            routes=[Route("/{behavior}/{name}", self._handle, methods=["POST"])]
        )
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        self._port = listener.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]))
        # uvicorn reports start-up only through this flag.
        while not self._server.started:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._release.set()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    async def _handle(self, request: Request) -> Response:
        received = ReceivedRequest(
            path=request.url.path,
            headers=dict(request.headers),
            body=await request.body(),
        )
        async with self._arrived:
            self.requests.append(received)
            self._arrived.notify_all()

        behavior = request.path_params["behavior"]
        if behavior == "hang":
            await self._release.wait()
        if behavior == "fail":
            return Response(status_code=500)
        if behavior == "redirect":
            return RedirectResponse("/ok/redirected", status_code=302)
        return Response(status_code=200)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


async def create_webhook(
    infra: Infrastructure,
    url: str,
    events: list[str] | None = None,
    session_id: str | None = None,
    enabled: bool = True,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Store a webhook as the api would and return its document."""
    document = {
        "_id": new_id("wh"),
        "url": url,
        "events": events or ["*"],
        "sessionId": session_id,
        "secret": new_secret(),
        "headers": headers or {},
        "enabled": enabled,
        "description": None,
    }
    return await WebhookRepository(infra.db).create(document)


async def publish_event(
    js: JetStreamContext,
    session_id: str,
    event_type: EventType,
    data: dict[str, Any] | None = None,
) -> tuple[Event, bytes]:
    """Publish an event as a worker would and return it with its bytes."""
    event = Event(type=event_type, session_id=session_id, data=data or {})
    body = event.to_wire()
    await js.publish(
        subjects.event(session_id, event_type.value),
        body,
        headers={"Nats-Msg-Id": event.id},
    )
    return event, body


async def wait_until_consumed(js: JetStreamContext) -> None:
    """Wait until the dispatcher has acknowledged every event on the stream."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        stream = await js.stream_info(subjects.EVENTS_STREAM)
        consumer = await js.consumer_info(subjects.EVENTS_STREAM, DURABLE_NAME)
        if consumer.ack_floor.stream_seq >= stream.state.last_seq:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the dispatcher did not acknowledge every event")
        await asyncio.sleep(0.02)


def delivery_count(outcome: str) -> float:
    """Read the deliveries counter of one outcome, for before/after comparisons."""
    value = REGISTRY.get_sample_value(
        "wagate_webhook_deliveries_total", {"outcome": outcome}
    )
    return value or 0.0

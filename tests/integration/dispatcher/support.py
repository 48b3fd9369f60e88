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
from wagate_dispatcher.consumer import DELIVERIES_DURABLE_NAME, DURABLE_NAME

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
    ``redirect`` 302 to ``/ok/redirected``, ``gone`` 410, ``hang`` none until
    the receiver stops, ``flaky<n>`` 500 to the first n requests and 200 after.
    The second segment names the webhook. ``port`` 0 picks a free port.
    """

    def __init__(self, port: int = 0) -> None:
        self.requests: list[ReceivedRequest] = []
        self._arrived = asyncio.Condition()
        self._release = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._port = port

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
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._port))
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
        if behavior.startswith("flaky"):
            failures = int(behavior.removeprefix("flaky"))
            earlier = len(self.received(request.url.path))
            behavior = "fail" if earlier <= failures else "ok"
        if behavior == "gone":
            return Response(status_code=410)
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
    """Wait until every event is fanned out and every due delivery job handled.

    Retries scheduled for later are not waited for.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while not await _is_consumed(js):
        if time.monotonic() > deadline:
            raise TimeoutError("the dispatcher did not handle every event and job")
        await asyncio.sleep(0.02)


async def _is_consumed(js: JetStreamContext) -> bool:
    stream = await js.stream_info(subjects.EVENTS_STREAM)
    events = await js.consumer_info(subjects.EVENTS_STREAM, DURABLE_NAME)
    if events.ack_floor.stream_seq < stream.state.last_seq:
        return False
    jobs = await js.consumer_info(subjects.DELIVERIES_STREAM, DELIVERIES_DURABLE_NAME)
    return not jobs.num_pending and not jobs.num_ack_pending


async def wait_for_failed_jobs(js: JetStreamContext, count: int) -> None:
    """Wait until the FAILED stream holds ``count`` jobs."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (await js.stream_info(subjects.FAILED_STREAM)).state.messages < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} jobs reached the failed queue")
        await asyncio.sleep(0.05)


def delivery_count(outcome: str) -> float:
    """Read the deliveries counter of one outcome, for before/after comparisons."""
    value = REGISTRY.get_sample_value(
        "wagate_webhook_deliveries_total", {"outcome": outcome}
    )
    return value or 0.0

"""A recording listener and request helpers for the sandbox tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, TypeVar

from nats.aio.client import Client

from wagate_common.broker import subjects
from wagate_common.schemas.sandbox import Reply
from wagate_worker.drivers.base import Connected, DriverEvent, QrChanged
from wagate_worker.drivers.sandbox import SandboxDriver

EventType = TypeVar("EventType")

WAIT_SECONDS = 5.0


class RecordingListener:
    """Keeps every driver event and lets a test wait for the next of a type."""

    def __init__(self) -> None:
        self.events: list[DriverEvent] = []
        self._changed = asyncio.Condition()

    async def on_driver_event(self, event: DriverEvent) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of_type(self, kind: type[EventType]) -> list[EventType]:
        """Return the recorded events of one type, oldest first."""
        return [event for event in self.events if isinstance(event, kind)]

    async def wait_for(self, kind: type[EventType], count: int = 1) -> EventType:
        """Wait until ``count`` events of ``kind`` were recorded; return the last."""
        async with asyncio.timeout(WAIT_SECONDS), self._changed:
            await self._changed.wait_for(lambda: len(self.of_type(kind)) >= count)
        return self.of_type(kind)[count - 1]


@dataclass
class Device:
    """A driver under test and the listener recording its events."""

    session_id: str
    driver: SandboxDriver
    listener: RecordingListener


async def ask(nats: Client, subject: str, body: Any) -> Reply:
    """Send ``body`` as JSON (bytes go as they are) and return the parsed reply."""
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = await nats.request(subject, payload, timeout=WAIT_SECONDS)
    return Reply.model_validate_json(answer.data)


async def ask_api(nats: Client, operation: str, body: Any) -> Reply:
    """Send a request as the api does, on ``wagate.sbx.api.<operation>``."""
    return await ask(nats, subjects.sandbox_api(operation), body)


async def ask_net(nats: Client, operation: str, body: Any) -> Reply:
    """Send a request as a driver does, on ``wagate.sbx.net.<operation>``."""
    return await ask(nats, subjects.sandbox_net(operation), body)


def assert_reply_error(reply: Reply, status: int, code: str) -> str:
    """Check a reply is an error with ``status`` and ``code``; return its message."""
    assert not reply.ok
    assert reply.error is not None
    assert reply.error.status == status, reply.error
    assert reply.error.code == code, reply.error
    assert reply.error.message
    return reply.error.message


async def pair_by_qr(
    nats: Client, device: Device, phone: str, push_name: str | None = None
) -> Connected:
    """Connect a new device, scan its QR code with ``phone``, wait until connected."""
    connected_before = len(device.listener.of_type(Connected))
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    reply = await ask_api(
        nats,
        "pair",
        {"sessionId": device.session_id, "phone": phone, "pushName": push_name},
    )

    assert reply.ok, reply.error
    return await device.listener.wait_for(Connected, connected_before + 1)


async def inbox_of(nats: Client, phone: str) -> list[dict[str, Any]]:
    """Return a phone's inbox entries, oldest first."""
    reply = await ask_api(nats, "inbox", {"phone": phone})
    assert reply.ok, reply.error
    messages: list[dict[str, Any]] = reply.data["messages"]
    return messages


async def create_group(
    nats: Client, session_id: str, participants: list[str], subject: str = "Team"
) -> str:
    """Let the first phone create a group with the others and the session; return it."""
    reply = await ask_api(
        nats,
        "group",
        {"sessionId": session_id, "subject": subject, "participants": participants},
    )
    assert reply.ok, reply.error
    return str(reply.data["id"])

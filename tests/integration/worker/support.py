"""Helpers of the worker tests: records, commands, events and waiting."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js.api import ConsumerConfig, DeliverPolicy

from wagate_common.broker import subjects
from wagate_common.ids import new_id
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import (
    CommandBase,
    MessageContent,
    SendCommand,
    TextContent,
)
from wagate_common.schemas.events import Event, EventType, parse_event
from wagate_common.schemas.sessions import DesiredStatus, Driver
from wagate_common.shards import shard_of
from wagate_common.storage.database import Document
from wagate_common.storage.messages import MessageRepository
from wagate_common.storage.sessions import SessionRepository

WAIT_SECONDS = 10.0
SHARDS = 8
RECIPIENT = "15550100002@s.whatsapp.net"


async def wait_until(condition: Callable[[], Any]) -> None:
    """Poll ``condition`` (a function or coroutine function) until it is true."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            result = condition()
            if isinstance(result, Awaitable):
                result = await result
            if result:
                return
            await asyncio.sleep(0.02)


async def create_session(
    infra: Infrastructure,
    session_id: str,
    *,
    desired: DesiredStatus = DesiredStatus.DISCONNECTED,
    driver: Driver = Driver.SANDBOX,
    **fields: Any,
) -> Document:
    """Insert a session record as the api does, then set ``desiredStatus`` and more."""
    sessions = SessionRepository(infra.db)
    await sessions.create(session_id, None, driver, shard_of(session_id, SHARDS), {})
    document = await sessions.update(
        session_id, {"desiredStatus": desired.value, **fields}
    )
    assert document is not None
    return document


async def session_record(infra: Infrastructure, session_id: str) -> Document:
    document = await SessionRepository(infra.db).get(session_id)
    assert document is not None
    return document


async def wait_for_record(
    infra: Infrastructure, session_id: str, **expected: Any
) -> Document:
    """Wait until the session record has every field in ``expected``; return it."""
    record: Document = {}

    async def reached() -> bool:
        nonlocal record
        record = await session_record(infra, session_id)
        return all(record.get(name) == value for name, value in expected.items())

    try:
        await wait_until(reached)
    except TimeoutError:
        actual = {name: record.get(name) for name in expected}
        raise AssertionError(
            f"session {session_id} stayed {actual}, expected {expected}"
        ) from None
    return record


async def wait_for_status(
    infra: Infrastructure, session_id: str, status: str
) -> Document:
    """Wait until the session record has ``status``; return the record."""
    return await wait_for_record(infra, session_id, status=status)


async def publish_command(infra: Infrastructure, command: CommandBase) -> None:
    """Queue a command as the api does: its shard's subject, its id as Nats-Msg-Id."""
    subject = subjects.command(shard_of(command.session_id, SHARDS), command.session_id)
    await infra.js.publish(
        subject, command.to_wire(), headers={"Nats-Msg-Id": command.id}
    )


async def queue_text(
    infra: Infrastructure, session_id: str, text: str, *, publish: bool = True
) -> SendCommand:
    """Store a message record and queue its send, as ``POST /v1/messages/text`` does."""
    message_id = new_id("msg")
    await MessageRepository(infra.db, 30).create(
        message_id, session_id, RECIPIENT, "text"
    )
    command = SendCommand(
        session_id=session_id,
        message_id=message_id,
        to=RECIPIENT,
        content=TextContent(text=text),
    )
    if publish:
        await publish_command(infra, command)
    return command


async def queue_message(
    infra: Infrastructure, session_id: str, content: MessageContent
) -> SendCommand:
    """Store a message record of any content and queue its send, as the api does."""
    message_id = new_id("msg")
    await MessageRepository(infra.db, 30).create(
        message_id,
        session_id,
        RECIPIENT,
        content.message_type,
        content.model_dump(by_alias=True, mode="json"),
    )
    command = SendCommand(
        session_id=session_id, message_id=message_id, to=RECIPIENT, content=content
    )
    await publish_command(infra, command)
    return command


async def message_record(infra: Infrastructure, message_id: str) -> Document:
    document = await MessageRepository(infra.db, 30).get(message_id)
    assert document is not None
    return document


async def wait_for_message_status(
    infra: Infrastructure, message_id: str, status: str
) -> Document:
    record: Document = {}

    async def reached() -> bool:
        nonlocal record
        record = await message_record(infra, message_id)
        return bool(record["status"] == status)

    try:
        await wait_until(reached)
    except TimeoutError:
        raise AssertionError(
            f"message {message_id} stayed {record.get('status')}, expected {status}"
        ) from None
    return record


async def session_events(
    infra: Infrastructure, session_id: str, event_type: EventType
) -> list[Event]:
    """Return every event of one type and session stored on the EVENTS stream."""
    subscription = await infra.js.pull_subscribe(
        subjects.event(session_id, event_type.value),
        stream=subjects.EVENTS_STREAM,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    events: list[Event] = []
    try:
        while True:
            try:
                batch = await subscription.fetch(100, timeout=0.2)
            except TimeoutError:
                return events
            events.extend(parse_event(msg.data) for msg in batch)
    finally:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()


async def wait_for_events(
    infra: Infrastructure,
    session_id: str,
    event_type: EventType,
    matches: Callable[[Event], bool] = lambda event: True,
    count: int = 1,
) -> list[Event]:
    """Wait until ``count`` events of a type match; return the matching ones."""
    found: list[Event] = []

    async def enough() -> bool:
        nonlocal found
        events = await session_events(infra, session_id, event_type)
        found = [event for event in events if matches(event)]
        return len(found) >= count

    try:
        await wait_until(enough)
    except TimeoutError:
        raise AssertionError(
            f"{len(found)} {event_type.value} events of {session_id}, expected {count}"
        ) from None
    return found

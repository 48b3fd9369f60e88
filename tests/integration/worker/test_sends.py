"""Sends: held until connected, in order, once, and their outcomes recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from nats.js.api import StreamInfo

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    RECIPIENT,
    create_session,
    message_record,
    publish_command,
    queue_text,
    wait_for_events,
    wait_for_message_status,
    wait_for_status,
    wait_until,
)
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import ConnectCommand
from wagate_common.schemas.events import EventType
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.storage.auth import AuthStore
from wagate_common.storage.messages import MessageRepository
from wagate_worker.drivers.base import SendError

PHONE = "15550100001"


async def connected_session(
    infra: Infrastructure, start_worker: WorkerFactory, session_id: str = "s1"
) -> None:
    await AuthStore(infra.db).save(session_id, PHONE.encode())
    await create_session(infra, session_id, desired=DesiredStatus.CONNECTED)
    await start_worker()
    await wait_for_status(infra, session_id, "connected")


async def commands_settled(infra: Infrastructure) -> bool:
    """Whether the COMMANDS stream is empty: every command was acknowledged."""
    info: StreamInfo = await infra.js.stream_info(subjects.COMMANDS_STREAM)
    return bool(info.state.messages == 0)


async def test_send_records_sent_and_publishes_event(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)

    command = await queue_text(infra, "s1", "hello")
    record = await wait_for_message_status(infra, command.message_id, "sent")
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_SENT)
    [sent] = network.sent

    assert sent.text == "hello"
    assert record["waMessageId"] == sent.wa_message_id
    assert record["sentAt"] is not None
    assert event.data["id"] == command.message_id
    assert event.data["waMessageId"] == sent.wa_message_id
    assert event.data["to"] == RECIPIENT
    assert event.data["type"] == "text"
    assert event.data["status"] == "sent"
    assert event.data["timestamp"].endswith("Z")
    await wait_until(lambda: commands_settled(infra))


async def test_held_send_goes_out_after_connect(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await create_session(infra, "s1")
    worker = await start_worker()
    first = await queue_text(infra, "s1", "first")
    await wait_until(lambda: worker.sessions.get("s1") is not None)

    await publish_command(infra, ConnectCommand(session_id="s1"))
    second = await queue_text(infra, "s1", "second")
    await wait_for_status(infra, "s1", "qr")
    await wait_until(lambda: worker.sessions.get("s1").held_sends == 2)  # type: ignore[union-attr]
    assert network.sent == []

    await network.drivers["s1"].pair(PHONE)
    third = await queue_text(infra, "s1", "third")
    for command in (first, second, third):
        await wait_for_message_status(infra, command.message_id, "sent")

    assert network.sent_ids("s1") == [
        first.message_id,
        second.message_id,
        third.message_id,
    ]


async def test_redelivered_send_not_sent_twice(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    command = await queue_text(infra, "s1", "once", publish=False)
    # A worker sent it and recorded it, then died before the ack.
    await MessageRepository(infra.db, 30).mark_sent(
        command.message_id, "WA-EARLIER", datetime.now(UTC)
    )

    await publish_command(infra, command)
    await wait_until(lambda: commands_settled(infra))
    later = await queue_text(infra, "s1", "after")
    await wait_for_message_status(infra, later.message_id, "sent")

    assert network.sent_ids("s1") == [later.message_id]


async def test_permanent_send_error_fails_message(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    command = await queue_text(infra, "s1", "rejected", publish=False)
    network.fail_next_send(
        command.message_id, SendError("recipient blocked", permanent=True)
    )

    await publish_command(infra, command)
    record = await wait_for_message_status(infra, command.message_id, "failed")
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_FAILED)

    assert record["error"] == "recipient blocked"
    assert event.data == {
        "id": command.message_id,
        "to": RECIPIENT,
        "type": "text",
        "error": "recipient blocked",
    }
    assert network.sent == []


async def test_transient_send_error_is_retried(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    first = await queue_text(infra, "s1", "flaky", publish=False)
    network.fail_next_send(first.message_id, SendError("server busy"))
    network.fail_next_send(first.message_id, SendError("server busy"))

    await publish_command(infra, first)
    second = await queue_text(infra, "s1", "behind it")
    await wait_for_message_status(infra, second.message_id, "sent")

    assert network.sent_ids("s1") == [first.message_id, second.message_id]


async def test_send_retries_exhausted_fail_message(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)
    await start_worker(send_attempts=2)
    await wait_for_status(infra, "s1", "connected")
    command = await queue_text(infra, "s1", "never", publish=False)
    for _ in range(2):
        network.fail_next_send(command.message_id, SendError("server busy"))

    await publish_command(infra, command)
    record = await wait_for_message_status(infra, command.message_id, "failed")

    assert record["error"] == "server busy"


async def test_held_send_fails_after_max_wait(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await create_session(infra, "s1")
    await start_worker(held_send_seconds=0.3)

    command = await queue_text(infra, "s1", "nobody connects")
    record = await wait_for_message_status(infra, command.message_id, "failed")

    assert record["error"] == "the session did not connect within 0.3 s"


async def test_receipt_advances_record_and_emits_ack(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    command = await queue_text(infra, "s1", "read me")
    sent = await wait_for_message_status(infra, command.message_id, "sent")

    driver = network.drivers["s1"]
    await driver.receipt([sent["waMessageId"], "WA-UNKNOWN"], "read")
    record = await wait_for_message_status(infra, command.message_id, "read")
    acks = await wait_for_events(infra, "s1", EventType.MESSAGE_ACK, count=2)
    # A late "delivered" is reported too, and does not move the record back.
    await driver.receipt([sent["waMessageId"]], "delivered")
    late = await wait_for_events(infra, "s1", EventType.MESSAGE_ACK, count=3)

    assert record["readAt"] is not None
    # No "delivered" receipt came first, but a read message was delivered.
    assert record["deliveredAt"] == record["readAt"]
    assert acks[0].data["id"] == command.message_id
    assert acks[0].data["waMessageId"] == sent["waMessageId"]
    assert acks[0].data["status"] == "read"
    assert acks[0].data["chat"] == "15550100002@s.whatsapp.net"
    assert acks[1].data["id"] is None
    assert acks[1].data["waMessageId"] == "WA-UNKNOWN"
    assert late[2].data["status"] == "delivered"
    assert (await message_record(infra, command.message_id))["status"] == "read"


async def test_send_for_unknown_session_fails(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await start_worker()

    command = await queue_text(infra, "nobody", "lost")
    record = await wait_for_message_status(infra, command.message_id, "failed")

    assert record["error"] == "the session does not exist"

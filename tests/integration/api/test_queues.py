"""The queues api: counts, the failed queue, retries that deliver the same bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.api.helpers import assert_error
from tests.integration.dispatcher.support import (
    Receiver,
    create_webhook,
    publish_event,
    wait_for_failed_jobs,
)
from wagate_common.broker import subjects
from wagate_common.broker.failed import (
    FailedJob,
    FailedQueue,
    FailedQueueName,
    now_text,
)
from wagate_common.embedded import free_port
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import SendCommand, TextContent
from wagate_common.schemas.events import EventType
from wagate_common.settings import WagateSettings
from wagate_common.storage.messages import MessageRepository
from wagate_dispatcher.delivery.signing import verify_signature
from wagate_dispatcher.service import DispatcherService
from wagate_dispatcher.settings import DispatcherSettings


@pytest.fixture
async def dispatcher(
    settings: WagateSettings, infra: Infrastructure
) -> AsyncIterator[DispatcherService]:
    dispatcher_settings = DispatcherSettings(
        **{**settings.model_dump(), "webhook_allow_private": True},
        webhook_retry_schedule=(0.0, 0.0),
        webhook_timeout_seconds=2.0,
        fetch_wait_seconds=0.1,
        shutdown_grace_seconds=0.5,
    )
    service = DispatcherService(dispatcher_settings, infra)
    await service.start()
    yield service
    await service.stop()


async def park_send(infra: Infrastructure, message_id: str) -> SendCommand:
    """Store a failed send as the worker does: record failed, job in FAILED."""
    messages = MessageRepository(infra.db, 30)
    await messages.create(message_id, "bot", "15550100002@s.whatsapp.net", "text")
    await messages.mark_failed(message_id, "recipient unreachable")
    command = SendCommand(
        session_id="bot",
        message_id=message_id,
        to="15550100002@s.whatsapp.net",
        content=TextContent(text="hello"),
    )
    await FailedQueue(infra.js).add(
        FailedJob(
            queue=FailedQueueName.MESSAGES,
            id=message_id,
            payload=command.to_wire(),
            attempts=3,
            last_error="recipient unreachable",
            failed_at=now_text(),
            session_id="bot",
            references={"messageId": message_id},
        )
    )
    return command


async def test_retry_delivers_original_bytes(
    client: httpx.AsyncClient, infra: Infrastructure, dispatcher: DispatcherService
) -> None:
    # The receiver is down for the whole schedule, then comes back.
    port = free_port()
    webhook = await create_webhook(infra, f"http://127.0.0.1:{port}/ok/a")
    await infra.nats.publish(subjects.WEBHOOKS_CHANGED, b"")
    await asyncio.sleep(0.2)
    event, body = await publish_event(
        infra.js, "s1", EventType.MESSAGE_RECEIVED, {"text": "héllo ✓"}
    )
    await wait_for_failed_jobs(infra.js, 1)

    listed = await client.get("/v1/queues/failed", params={"queue": "webhooks"})
    [job] = listed.json()["data"]
    receiver = Receiver(port)
    await receiver.start()
    try:
        retried = await client.post(f"/v1/queues/failed/webhooks/{job['id']}/retry")
        [request] = await receiver.wait_for("/ok/a")
    finally:
        await receiver.stop()
    after = await client.get("/v1/queues/failed")

    assert listed.status_code == 200
    assert job["queue"] == "webhooks"
    assert job["attempts"] == 3
    assert job["lastError"].startswith("ConnectError")
    assert job["payload"]["id"] == event.id
    assert job["payload"]["data"] == {"text": "héllo ✓"}
    assert job["webhookId"] == webhook["_id"]
    assert retried.status_code == 202
    assert request.body == body
    assert request.headers["webhook-id"] == event.id
    verify_signature(webhook["secret"], request.headers, request.body)
    assert after.json()["data"] == []


async def test_concurrent_retries_requeue_once(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    command = await park_send(infra, "msg_twice")

    first, second = await asyncio.gather(
        client.post("/v1/queues/failed/messages/msg_twice/retry"),
        client.post("/v1/queues/failed/messages/msg_twice/retry"),
    )

    assert sorted([first.status_code, second.status_code]) == [202, 404]
    loser = first if first.status_code == 404 else second
    assert_error(loser, 404, "JOB_NOT_FOUND")
    commands = await infra.js.stream_info(subjects.COMMANDS_STREAM)
    assert commands.state.messages == 1
    message = await infra.js.get_msg(subjects.COMMANDS_STREAM, seq=1)
    requeued = SendCommand.model_validate_json(message.data or b"")
    assert requeued.message_id == command.message_id
    assert requeued.content == command.content
    assert requeued.id != command.id
    record = await MessageRepository(infra.db, 30).get("msg_twice")
    assert record is not None
    assert record["status"] == "queued"


async def test_unknown_job_not_found(client: httpx.AsyncClient) -> None:
    retried = await client.post("/v1/queues/failed/webhooks/job_missing/retry")
    discarded = await client.delete("/v1/queues/failed/messages/msg_missing")
    bad_queue = await client.post("/v1/queues/failed/others/job_1/retry")

    assert_error(retried, 404, "JOB_NOT_FOUND")
    assert_error(discarded, 404, "JOB_NOT_FOUND")
    assert_error(bad_queue, 400, "VALIDATION_ERROR")


async def test_discard_removes_job(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    await park_send(infra, "msg_drop")

    discarded = await client.delete("/v1/queues/failed/messages/msg_drop")
    listed = await client.get("/v1/queues/failed")

    assert discarded.status_code == 200
    assert discarded.json()["data"] == {"id": "msg_drop", "deleted": True}
    assert listed.json()["data"] == []
    commands = await infra.js.stream_info(subjects.COMMANDS_STREAM)
    assert commands.state.messages == 0


async def test_failed_list_pages_and_filters(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    for number in range(5):
        await park_send(infra, f"msg_{number}")

    first = await client.get("/v1/queues/failed", params={"limit": 2})
    cursor = first.json()["page"]["next"]
    second = await client.get("/v1/queues/failed", params={"limit": 2, "cursor": cursor})
    rest = await client.get(
        "/v1/queues/failed", params={"limit": 2, "cursor": second.json()["page"]["next"]}
    )
    webhooks_only = await client.get("/v1/queues/failed", params={"queue": "webhooks"})

    ids = [job["id"] for page in (first, second, rest) for job in page.json()["data"]]
    assert ids == [f"msg_{number}" for number in range(5)]
    assert rest.json()["page"]["next"] is None
    assert webhooks_only.json()["data"] == []
    payload = first.json()["data"][0]["payload"]
    assert payload["messageId"] == "msg_0"


async def test_stats_count_each_queue(
    client: httpx.AsyncClient, infra: Infrastructure, dispatcher: DispatcherService
) -> None:
    await park_send(infra, "msg_stats")
    receiver = Receiver()
    await receiver.start()
    try:
        await create_webhook(infra, receiver.url("/ok/a"))
        await infra.nats.publish(subjects.WEBHOOKS_CHANGED, b"")
        await asyncio.sleep(0.2)
        await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
        await receiver.wait_for("/ok/a")
        await asyncio.sleep(0.2)
    finally:
        await receiver.stop()

    response = await client.get("/v1/queues/stats")

    assert response.status_code == 200
    stats = response.json()["data"]
    assert stats["messages"]["failed"] == 1
    assert stats["messages"]["pending"] == 0
    assert stats["webhooks"]["failed"] == 0
    assert stats["webhooks"]["completed"] == 1
    assert stats["webhooks"]["pending"] == 0
    assert stats["webhooks"]["inFlight"] == 0
    assert set(stats["webhooks"]) >= {
        "pending",
        "inFlight",
        "redelivered",
        "failed",
        "completed",
    }


async def test_queues_need_key(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/queues/stats")

    assert_error(response, 401, "UNAUTHORIZED")

"""Failed deliveries are retried on the schedule, then parked in the failed queue."""

from __future__ import annotations

import asyncio
import ipaddress

from tests.integration.dispatcher.conftest import StartDispatcher
from tests.integration.dispatcher.support import (
    Receiver,
    create_webhook,
    delivery_count,
    publish_event,
    wait_for_failed_jobs,
    wait_until_consumed,
)
from wagate_common.broker import subjects
from wagate_common.broker.failed import FailedQueue, FailedQueueName
from wagate_common.infrastructure import Infrastructure
from wagate_common.netguard import IpAddress
from wagate_common.schemas.events import EventType
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.delivery.signing import verify_signature
from wagate_dispatcher.service import DispatcherService
from wagate_dispatcher.settings import DispatcherSettings


async def test_server_errors_retried_until_success(
    infra: Infrastructure,
    receiver: Receiver,
    dispatcher_settings: DispatcherSettings,
    start_dispatcher: StartDispatcher,
) -> None:
    dispatcher_settings.webhook_retry_schedule = (0.0, 0.0, 0.0, 0.0)
    webhook = await create_webhook(infra, receiver.url("/flaky3/a"))
    await start_dispatcher()

    event, body = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    requests = await receiver.wait_for("/flaky3/a", count=4)
    await asyncio.sleep(1.5)  # room for a wrong fifth attempt to show up

    assert len(receiver.received("/flaky3/a")) == 4
    for request in requests:
        assert request.headers["webhook-id"] == event.id
        assert request.body == body
        verify_signature(webhook["secret"], request.headers, request.body)
    failed = await infra.js.stream_info(subjects.FAILED_STREAM)
    assert failed.state.messages == 0


async def test_exhausted_schedule_parks_one_job(
    infra: Infrastructure,
    receiver: Receiver,
    dispatcher_settings: DispatcherSettings,
    start_dispatcher: StartDispatcher,
) -> None:
    dispatcher_settings.webhook_retry_schedule = (0.0, 1.0)
    webhook = await create_webhook(infra, receiver.url("/fail/a"))
    await start_dispatcher()

    event, body = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await wait_for_failed_jobs(infra.js, 1)
    await asyncio.sleep(1.5)  # room for a wrong second job or attempt

    [job], _ = await FailedQueue(infra.js).list_page(None, 0, 10)
    assert len(receiver.received("/fail/a")) == 3
    assert job.queue is FailedQueueName.WEBHOOKS
    assert job.payload == body
    assert job.attempts == 3
    assert job.last_error == "HTTP 500"
    assert job.references == {"webhookId": webhook["_id"], "eventId": event.id}
    assert job.session_id == "s1"
    assert job.failed_at.endswith("Z")
    deliveries = await infra.js.stream_info(subjects.DELIVERIES_STREAM)
    assert deliveries.state.messages == 0


async def test_gone_disables_webhook(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    webhook = await create_webhook(infra, receiver.url("/gone/a"))
    service = await start_dispatcher()

    await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await wait_for_failed_jobs(infra.js, 1)
    async with asyncio.timeout(5):
        while service.webhooks.index.get(webhook["_id"]) is not None:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await wait_until_consumed(infra.js)
    await asyncio.sleep(0.5)

    stored = await WebhookRepository(infra.db).get(webhook["_id"])
    assert stored is not None
    assert stored["enabled"] is False
    assert "410" in stored["disabledReason"]
    assert len(receiver.received("/gone/a")) == 1


async def test_redirect_retried_as_failure(
    infra: Infrastructure,
    receiver: Receiver,
    dispatcher_settings: DispatcherSettings,
    start_dispatcher: StartDispatcher,
) -> None:
    dispatcher_settings.webhook_retry_schedule = (0.0,)
    await create_webhook(infra, receiver.url("/redirect/a"))
    await start_dispatcher()

    await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await wait_for_failed_jobs(infra.js, 1)

    [job], _ = await FailedQueue(infra.js).list_page(None, 0, 10)
    assert job.last_error == "HTTP 302"
    assert len(receiver.received("/redirect/a")) == 2
    assert receiver.received("/ok/redirected") == []


async def test_renamed_host_refused_at_delivery(
    infra: Infrastructure,
    receiver: Receiver,
    dispatcher_settings: DispatcherSettings,
) -> None:
    # The name first points at the receiver; then its DNS answer changes to a
    # cloud metadata address, refused even where private addresses are allowed.
    port = int(receiver.url("").rsplit(":", 1)[1])
    answers = {"hooks.example": "127.0.0.1"}

    async def resolve(host: str, _: int) -> list[IpAddress]:
        return [ipaddress.ip_address(answers[host])]

    dispatcher_settings.webhook_retry_schedule = ()
    await create_webhook(infra, f"http://hooks.example:{port}/ok/a")
    service = DispatcherService(dispatcher_settings, infra, resolver=resolve)
    await service.start()
    try:
        await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
        [request] = await receiver.wait_for("/ok/a")
        refused_before = delivery_count("address_not_allowed")

        answers["hooks.example"] = "169.254.169.254"
        await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
        await wait_for_failed_jobs(infra.js, 1)
    finally:
        await service.stop()

    assert request.headers["host"] == f"hooks.example:{port}"
    assert len(receiver.received("/ok/a")) == 1
    assert delivery_count("address_not_allowed") == refused_before + 1
    [job], _ = await FailedQueue(infra.js).list_page(None, 0, 10)
    assert "169.254.169.254" in job.last_error


async def test_private_address_refused_unless_allowed(
    infra: Infrastructure,
    receiver: Receiver,
    dispatcher_settings: DispatcherSettings,
) -> None:
    async def resolve(host: str, _: int) -> list[IpAddress]:
        return [ipaddress.ip_address("10.0.0.1")]

    dispatcher_settings.webhook_allow_private = False
    dispatcher_settings.webhook_retry_schedule = ()
    await create_webhook(infra, "http://internal.example/ok/a")
    service = DispatcherService(dispatcher_settings, infra, resolver=resolve)
    await service.start()
    try:
        await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
        await wait_for_failed_jobs(infra.js, 1)
    finally:
        await service.stop()

    [job], _ = await FailedQueue(infra.js).list_page(None, 0, 10)
    assert "10.0.0.1" in job.last_error
    assert job.attempts == 1

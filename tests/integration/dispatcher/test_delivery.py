"""Events on the EVENTS stream reach the webhooks that subscribe to them."""

from __future__ import annotations

from standardwebhooks import Webhook as ReferenceWebhook

from tests.integration.dispatcher.conftest import StartDispatcher
from tests.integration.dispatcher.support import (
    Receiver,
    create_webhook,
    delivery_count,
    publish_event,
    wait_until_consumed,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import EventType
from wagate_dispatcher.delivery.signing import verify_signature
from wagate_dispatcher.settings import DispatcherSettings


async def test_event_reaches_webhook_signed(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    webhook = await create_webhook(
        infra,
        receiver.url("/ok/a"),
        events=["message.received"],
        session_id="s1",
        headers={"X-Tenant": "acme", "webhook-id": "forged", "Content-Type": "text/xml"},
    )
    await start_dispatcher()

    event, body = await publish_event(
        infra.js, "s1", EventType.MESSAGE_RECEIVED, {"text": "héllo"}
    )
    [request] = await receiver.wait_for("/ok/a")

    assert request.body == body
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == event.id
    assert request.headers["x-tenant"] == "acme"
    payload = ReferenceWebhook(webhook["secret"]).verify(request.body, request.headers)
    assert payload["id"] == event.id
    verify_signature(webhook["secret"], request.headers, request.body)


async def test_other_type_or_session_not_delivered(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(
        infra, receiver.url("/ok/narrow"), events=["message.received"], session_id="s1"
    )
    await create_webhook(infra, receiver.url("/ok/control"))
    await start_dispatcher()

    await publish_event(infra.js, "s1", EventType.MESSAGE_SENT)
    await publish_event(infra.js, "s2", EventType.MESSAGE_RECEIVED)
    await wait_until_consumed(infra.js)

    assert len(receiver.received("/ok/control")) == 2
    assert receiver.received("/ok/narrow") == []


async def test_wildcard_matches_every_event(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/ok/all"), events=["*"])
    await create_webhook(infra, receiver.url("/ok/s2"), events=["*"], session_id="s2")
    await start_dispatcher()

    published = [
        await publish_event(infra.js, "s1", EventType.SESSION_STATUS),
        await publish_event(infra.js, "s2", EventType.MESSAGE_ACK),
        await publish_event(infra.js, "s3", EventType.CALL_RECEIVED),
    ]
    everything = await receiver.wait_for("/ok/all", count=3)
    await wait_until_consumed(infra.js)

    expected_ids = {event.id for event, _ in published}
    assert {request.headers["webhook-id"] for request in everything} == expected_ids
    [only_s2] = receiver.received("/ok/s2")
    assert only_s2.headers["webhook-id"] == published[1][0].id


async def test_disabled_webhook_gets_nothing(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/ok/disabled"), enabled=False)
    await create_webhook(infra, receiver.url("/ok/control"))
    await start_dispatcher()

    await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await receiver.wait_for("/ok/control")
    await wait_until_consumed(infra.js)

    assert receiver.received("/ok/disabled") == []


async def test_server_error_counted_as_failure(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/fail/a"))
    await start_dispatcher()
    failures_before = delivery_count("http_error")
    successes_before = delivery_count("success")

    await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await receiver.wait_for("/fail/a")
    await wait_until_consumed(infra.js)

    assert delivery_count("http_error") == failures_before + 1
    assert delivery_count("success") == successes_before


async def test_redirect_counted_as_failure(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/redirect/a"))
    await start_dispatcher()
    failures_before = delivery_count("http_error")

    await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await receiver.wait_for("/redirect/a")
    await wait_until_consumed(infra.js)

    assert delivery_count("http_error") == failures_before + 1
    assert receiver.received("/ok/redirected") == []


async def test_hanging_receiver_does_not_hold_others(
    infra: Infrastructure,
    receiver: Receiver,
    dispatcher_settings: DispatcherSettings,
    start_dispatcher: StartDispatcher,
) -> None:
    await create_webhook(infra, receiver.url("/hang/slow"))
    await create_webhook(infra, receiver.url("/ok/fast"))
    await start_dispatcher()
    timeouts_before = delivery_count("timeout")

    # More events than the dispatcher has delivery slots (64) in all.
    for _ in range(100):
        await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await receiver.wait_for("/ok/fast", count=100)
    timeouts_when_fast_done = delivery_count("timeout")

    # Were the slow webhook blocking the others, the fast deliveries would wait
    # for its 100 jobs to time out, 4 at a time: 25 rounds of 2 s. They finish
    # within the first two rounds, while the slow webhook started at most three
    # rounds of requests, each no larger than its own limit.
    slow_limit = dispatcher_settings.max_concurrent_per_webhook
    assert timeouts_when_fast_done - timeouts_before <= 2 * slow_limit
    slow_requests = len(receiver.received("/hang/slow"))
    assert 1 <= slow_requests <= 3 * slow_limit


async def test_replicas_share_the_events(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/ok/a"))
    await start_dispatcher()
    await start_dispatcher()

    published = [
        await publish_event(infra.js, f"s{number}", EventType.MESSAGE_RECEIVED)
        for number in range(20)
    ]
    await receiver.wait_for("/ok/a", count=20)
    await wait_until_consumed(infra.js)

    delivered_ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert sorted(delivered_ids) == sorted(event.id for event, _ in published)


async def test_stop_returns_unfinished_event(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/hang/slow"))
    first = await start_dispatcher()
    event, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await receiver.wait_for("/hang/slow")

    # The grace period (0.5 s) ends before the webhook timeout (2 s), so the
    # event is returned to the stream unacknowledged and the next dispatcher
    # delivers it again.
    await first.stop()
    await start_dispatcher()
    requests = await receiver.wait_for("/hang/slow", count=2)

    assert [request.headers["webhook-id"] for request in requests] == [event.id] * 2


async def test_invalid_event_dropped(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    await create_webhook(infra, receiver.url("/ok/a"))
    await start_dispatcher()

    await infra.js.publish("wagate.evt.s1.message.received", b"not json")
    event, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    await wait_until_consumed(infra.js)

    [request] = receiver.received("/ok/a")
    assert request.headers["webhook-id"] == event.id

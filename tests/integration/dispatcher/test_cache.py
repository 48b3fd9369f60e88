"""The dispatcher follows webhook changes without reading MongoDB per event."""

from __future__ import annotations

import asyncio

from tests.integration.dispatcher.conftest import StartDispatcher
from tests.integration.dispatcher.support import (
    WAIT_SECONDS,
    Receiver,
    create_webhook,
    publish_event,
)
from wagate_common.broker.subjects import WEBHOOKS_CHANGED
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import EventType
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.service import DispatcherService


async def wait_for_cache(
    service: DispatcherService, webhook_id: str, *, present: bool
) -> None:
    # The cache signals no reload, so the test polls what it holds.
    async with asyncio.timeout(WAIT_SECONDS):
        while (service.webhooks.index.get(webhook_id) is not None) != present:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_new_webhook_picked_up_on_notice(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    service = await start_dispatcher()
    webhook = await create_webhook(infra, receiver.url("/ok/late"))
    # Without a notice nothing reloads: the periodic refresh is an hour away.
    await asyncio.sleep(0.2)
    assert service.webhooks.index.get(webhook["_id"]) is None

    await infra.nats.publish(WEBHOOKS_CHANGED, b"")
    await wait_for_cache(service, webhook["_id"], present=True)
    event, _ = await publish_event(infra.js, "s1", EventType.MESSAGE_RECEIVED)
    [request] = await receiver.wait_for("/ok/late")

    assert request.headers["webhook-id"] == event.id


async def test_disabled_webhook_dropped_on_notice(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    webhook = await create_webhook(infra, receiver.url("/ok/a"))
    service = await start_dispatcher()
    assert service.webhooks.index.get(webhook["_id"]) is not None

    await WebhookRepository(infra.db).update(webhook["_id"], {"enabled": False})
    await infra.nats.publish(WEBHOOKS_CHANGED, b"")

    await wait_for_cache(service, webhook["_id"], present=False)


async def test_invalid_webhook_skipped(
    infra: Infrastructure, receiver: Receiver, start_dispatcher: StartDispatcher
) -> None:
    broken = await create_webhook(infra, receiver.url("/ok/broken"))
    await WebhookRepository(infra.db).update(broken["_id"], {"secret": "whsec_!!"})
    valid = await create_webhook(infra, receiver.url("/ok/valid"))

    service = await start_dispatcher()

    assert service.webhooks.index.get(broken["_id"]) is None
    assert service.webhooks.index.get(valid["_id"]) is not None

"""The worker with its real sandbox driver, against the sandbox network in-process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.worker.conftest import TEST_TIMERS
from tests.integration.worker.support import (
    SHARDS,
    create_session,
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
from wagate_common.schemas.sandbox import Reply
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.settings import WagateSettings
from wagate_sandbox.app import SandboxService
from wagate_sandbox.settings import SandboxSettings
from wagate_worker.app import WorkerService
from wagate_worker.settings import WorkerSettings

PHONE = "15550100001"


@pytest.fixture
async def sandbox(
    settings: WagateSettings, infra: Infrastructure
) -> AsyncIterator[SandboxService]:
    sandbox_settings = SandboxSettings(
        **settings.model_dump(), qr_seconds=5.0, push_timeout_seconds=0.5
    )
    service = SandboxService(sandbox_settings, infra)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def worker(
    settings: WagateSettings, infra: Infrastructure, sandbox: SandboxService
) -> AsyncIterator[WorkerService]:
    worker_settings = WorkerSettings(
        **settings.model_dump(), worker_id="w1", **TEST_TIMERS
    )
    service = WorkerService(worker_settings, infra)
    await service.start()
    await wait_until(lambda: len(service.shards.active) == SHARDS)
    yield service
    await service.stop()


async def act_as_phone(
    infra: Infrastructure, operation: str, body: dict[str, Any]
) -> Reply:
    """Do what a phone does on the sandbox network, as the api's sandbox routes do."""
    answer = await infra.nats.request(
        subjects.sandbox_api(operation), json.dumps(body).encode(), timeout=5
    )
    reply = Reply.model_validate_json(answer.data)
    assert reply.ok, reply.error
    return reply


async def test_sandbox_session_pairs_sends_and_reconnects(
    infra: Infrastructure, worker: WorkerService
) -> None:
    await create_session(infra, "shop", desired=DesiredStatus.CONNECTED)
    await publish_command(infra, ConnectCommand(session_id="shop"))
    waiting = await wait_for_status(infra, "shop", "qr")

    await act_as_phone(infra, "pair", {"sessionId": "shop", "phone": PHONE})
    paired = await wait_for_status(infra, "shop", "connected")
    command = await queue_text(infra, "shop", "hello from the worker")
    sent = await wait_for_message_status(infra, command.message_id, "sent")
    await act_as_phone(
        infra,
        "receipt",
        {"sessionId": "shop", "messageId": command.message_id, "status": "read"},
    )
    await wait_for_message_status(infra, command.message_id, "read")

    await act_as_phone(infra, "drop", {"sessionId": "shop"})
    await wait_for_events(
        infra,
        "shop",
        EventType.SESSION_STATUS,
        lambda event: event.data["status"] == "connected",
        count=2,
    )

    assert waiting["qr"]["code"]
    assert paired["me"]["phone"] == PHONE
    assert sent["waMessageId"]
    assert (await wait_for_status(infra, "shop", "connected"))["worker"] == "w1"

"""A send that fails for good lands in the failed queue, and a retry sends it."""

from __future__ import annotations

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    SHARDS,
    publish_command,
    queue_text,
    wait_for_message_status,
    wait_until,
)
from tests.integration.worker.test_sends import connected_session
from wagate_api.commands import CommandPublisher
from wagate_api.queues import requeue
from wagate_common.broker import subjects
from wagate_common.broker.failed import FailedJob, FailedQueue, FailedQueueName
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import SendCommand
from wagate_common.storage.messages import MessageRepository
from wagate_worker.drivers.base import SendError


async def parked_jobs(infra: Infrastructure) -> list[FailedJob]:
    jobs, _ = await FailedQueue(infra.js).list_page(FailedQueueName.MESSAGES, 0, 10)
    return jobs


async def test_failed_send_parked_then_retried(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    command = await queue_text(infra, "s1", "rejected", publish=False)
    network.fail_next_send(
        command.message_id, SendError("recipient blocked", permanent=True)
    )

    await publish_command(infra, command)
    await wait_for_message_status(infra, command.message_id, "failed")
    await wait_until(lambda: _parked_count(infra))
    [job] = await parked_jobs(infra)
    assert await FailedQueue(infra.js).remove(job)
    await requeue(
        infra.js,
        job,
        MessageRepository(infra.db, 30),
        CommandPublisher(infra.js, SHARDS),
    )
    await wait_for_message_status(infra, command.message_id, "sent")

    assert job.id == command.message_id
    assert job.last_error == "recipient blocked"
    assert job.session_id == "s1"
    assert SendCommand.model_validate_json(job.payload) == command
    assert network.sent_ids("s1") == [command.message_id]
    assert await parked_jobs(infra) == []


async def _parked_count(infra: Infrastructure) -> int:
    info = await infra.js.stream_info(subjects.FAILED_STREAM)
    return int(info.state.messages)

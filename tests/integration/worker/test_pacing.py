"""Send pacing: queued sends of one session wait for their turn, none fails."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork, SentMessage
from tests.integration.worker.support import (
    create_session,
    queue_text,
    wait_for_message_status,
    wait_for_status,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.storage.auth import AuthStore


class _TimedSends(list[SentMessage]):
    """The network's list of sent messages, noting when each send happened."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: SentMessage) -> None:
        self.times.append(time.monotonic())
        super().append(item)


async def _paced_session(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    pacing: dict[str, Any] | None,
    **worker_overrides: Any,
) -> None:
    await AuthStore(infra.db).save("s1", b"15550100001")
    fields: dict[str, Any] = {"sendPacing": pacing} if pacing is not None else {}
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED, **fields)
    await start_worker(**worker_overrides)
    await wait_for_status(infra, "s1", "connected")


async def _send_ten(infra: Infrastructure) -> list[str]:
    commands = [await queue_text(infra, "s1", f"text {n}") for n in range(10)]
    for command in commands:
        await wait_for_message_status(infra, command.message_id, "sent")
    return [command.message_id for command in commands]


def _gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_min_gap_spaces_queued_sends(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    sends = network.sent = _TimedSends()
    await _paced_session(infra, start_worker, {"minGapMs": 300})

    message_ids = await _send_ten(infra)

    assert [sent.message_id for sent in sends] == message_ids
    assert min(_gaps(sends.times)) >= 0.25
    # Ten sends at 0.3 s gaps take 2.7 s; the upper bound leaves room for slow CI.
    assert sends.times[-1] - sends.times[0] < 8.0


async def test_per_minute_cap_holds_the_rest(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    sends = network.sent = _TimedSends()
    await _paced_session(infra, start_worker, {"minGapMs": 0, "perMinute": 4})

    commands = [await queue_text(infra, "s1", f"text {n}") for n in range(10)]
    await wait_for_message_status(infra, commands[3].message_id, "sent")
    await asyncio.sleep(0.5)  # long enough for an unpaced worker to send them all
    held = [
        await infra.db["messages"].find_one({"_id": command.message_id})
        for command in commands[4:]
    ]

    assert len(sends) == 4
    assert all(record is not None and record["status"] == "queued" for record in held)
    assert sends.times[-1] - sends.times[0] < 5.0


async def test_worker_default_pacing_applies(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    sends = network.sent = _TimedSends()
    await _paced_session(infra, start_worker, None, send_min_gap_ms=200)

    await _send_ten(infra)

    assert len(sends) == 10
    assert min(_gaps(sends.times)) >= 0.15


async def test_unpaced_session_sends_at_once(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    sends = network.sent = _TimedSends()
    await _paced_session(infra, start_worker, None)

    await _send_ten(infra)

    assert len(sends) == 10
    assert sends.times[-1] - sends.times[0] < 2.0

"""A dispatcher killed mid-burst loses no delivery: a restart finishes the work."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import defaultdict
from pathlib import Path

from tests.integration.dispatcher.support import WAIT_SECONDS, Receiver, create_webhook
from tests.probes import wait_until_ready
from wagate_common.broker import subjects
from wagate_common.embedded import child_environment, free_port
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import Event, EventType
from wagate_common.settings import WagateSettings

EVENTS = 1000
# Generous: the whole test usually takes a few seconds.
DELIVERY_DEADLINE_SECONDS = 60.0


async def start_dispatcher_process(
    settings: WagateSettings, log_path: Path
) -> tuple[asyncio.subprocess.Process, int]:
    probe_port = free_port()
    environment = child_environment(
        {
            "WAGATE_NATS_URL": settings.nats_url,
            "WAGATE_MONGO_URL": settings.mongo_url,
            "WAGATE_MONGO_DB": settings.mongo_db,
            "WAGATE_DISPATCHER_PROBE_PORT": str(probe_port),
            "WAGATE_DISPATCHER_FETCH_WAIT_SECONDS": "0.1",
            # What the killed process held comes back after this.
            "WAGATE_DISPATCHER_ACK_WAIT_SECONDS": "2",
            "WAGATE_WEBHOOK_ALLOW_PRIVATE": "true",
            "WAGATE_WEBHOOK_RETRY_SCHEDULE": "1,1,1",
            "WAGATE_LOG_LEVEL": "WARNING",
        }
    )
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wagate_dispatcher", env=environment, stderr=log
        )
    await wait_until_ready(
        f"http://127.0.0.1:{probe_port}/health/ready", WAIT_SECONDS * 2
    )
    return process, probe_port


async def publish_burst(infra: Infrastructure) -> dict[str, bytes]:
    bodies: dict[str, bytes] = {}
    for number in range(EVENTS):
        session_id = f"s{number % 2 + 1}"
        event = Event(type=EventType.MESSAGE_RECEIVED, session_id=session_id, data={})
        body = event.to_wire()
        bodies[event.id] = body
        await infra.js.publish(
            subjects.event(session_id, event.type.value),
            body,
            headers={"Nats-Msg-Id": event.id},
        )
    return bodies


def delivered_ids(receiver: Receiver, path: str) -> set[str]:
    return {request.headers["webhook-id"] for request in receiver.received(path)}


async def test_killed_dispatcher_loses_no_delivery(
    settings: WagateSettings, infra: Infrastructure, receiver: Receiver, tmp_path: Path
) -> None:
    await create_webhook(infra, receiver.url("/ok/all"))
    await create_webhook(
        infra, receiver.url("/ok/s1"), events=["message.received"], session_id="s1"
    )
    log_path = tmp_path / "dispatcher.log"
    first, _ = await start_dispatcher_process(settings, log_path)
    second = None
    try:
        burst = asyncio.create_task(publish_burst(infra))
        async with asyncio.timeout(DELIVERY_DEADLINE_SECONDS):
            while len(receiver.requests) < 100:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        requests_at_kill = len(receiver.requests)
        bodies = await burst

        second, _ = await start_dispatcher_process(settings, log_path)
        s1_ids = {
            event_id for event_id, body in bodies.items() if b'"sessionId":"s1"' in body
        }
        async with asyncio.timeout(DELIVERY_DEADLINE_SECONDS):
            while (  # noqa: ASYNC110
                delivered_ids(receiver, "/ok/all") != set(bodies)
                or delivered_ids(receiver, "/ok/s1") != s1_ids
            ):
                await asyncio.sleep(0.05)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()

    assert requests_at_kill < EVENTS + len(s1_ids)
    bodies_by_id: defaultdict[str, set[bytes]] = defaultdict(set)
    for request in receiver.requests:
        bodies_by_id[request.headers["webhook-id"]].add(request.body)
    assert set(bodies_by_id) == set(bodies)
    for event_id, received in bodies_by_id.items():
        assert received == {bodies[event_id]}

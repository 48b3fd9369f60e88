"""Sessions whose start killed their worker: started alone, then quarantined."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    create_session,
    publish_command,
    queue_text,
    session_record,
    wait_for_message_status,
    wait_for_record,
    wait_for_status,
)
from wagate_common.ids import utc_now
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import ConnectCommand
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import QrChanged

PHONE = "15550100001"


async def test_start_is_counted_and_reset_once_the_driver_reports(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)

    await start_worker()
    record = await wait_for_status(infra, "s1", "connected")

    assert record.get("startCrashes") == 0
    assert record.get("startingOn") is None


async def test_suspect_session_starts_again_and_is_cleared(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    # What a worker that died while starting the session leaves behind.
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await create_session(
        infra,
        "s1",
        desired=DesiredStatus.CONNECTED,
        startCrashes=1,
        startingOn="worker-gone",
    )

    await start_worker()
    await wait_for_status(infra, "s1", "connected")

    await wait_for_record(infra, "s1", startCrashes=0)
    assert network.connects["s1"] == 1


async def test_session_that_crashed_twice_is_quarantined(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await create_session(
        infra,
        "s1",
        desired=DesiredStatus.CONNECTED,
        startCrashes=2,
        startingOn="worker-gone",
    )
    await AuthStore(infra.db).save("s2", b"15550100002")
    await create_session(infra, "s2", desired=DesiredStatus.CONNECTED)

    await start_worker()
    record = await wait_for_status(infra, "s1", "failed")
    sent = await queue_text(infra, "s1", "held")
    failed = await wait_for_message_status(infra, sent.message_id, "failed")

    assert "quarantined" in record["lastError"]
    assert "2 times in a row" in record["lastError"]
    assert network.connects["s1"] == 0
    assert "failed" in failed["error"]
    # Its neighbour in the same worker is not affected.
    await wait_for_status(infra, "s2", "connected")
    assert (await session_record(infra, "s1"))["status"] == "failed"


async def test_start_in_flight_is_counted_until_the_driver_reports(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    # A worker that died now would leave exactly this record behind.
    network.silent_connects.add("s1")
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)

    await start_worker()
    # The count comes first and the status right after it.
    record = await wait_for_record(infra, "s1", startCrashes=1, status="connecting")

    assert record["startingOn"] == "worker-a"


async def test_suspect_waits_until_no_other_start_runs(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    network.silent_connects.add("stuck")
    await AuthStore(infra.db).save("stuck", PHONE.encode())
    await create_session(infra, "stuck", desired=DesiredStatus.CONNECTED)
    await start_worker()
    await wait_for_record(infra, "stuck", startCrashes=1)

    await AuthStore(infra.db).save("s1", b"15550100002")
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED, startCrashes=1)
    await publish_command(infra, ConnectCommand(session_id="s1"))
    await asyncio.sleep(1.0)
    waited = network.connects["s1"]

    # The stuck start reports at last, which lets the suspect start alone.
    await network.drivers["stuck"].emit(
        QrChanged(code="qr-1", expires_at=utc_now() + timedelta(seconds=60))
    )
    await wait_for_status(infra, "s1", "connected")

    assert waited == 0
    assert network.connects["s1"] == 1

"""Reconnect backoff of a session that cannot reach the network."""

from __future__ import annotations

import logging

import pytest

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    create_session,
    publish_command,
    wait_until,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import ConnectCommand
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.storage.auth import AuthStore

PHONE = "15550100001"
BASE_SECONDS = 0.05
RUNTIME_LOGGER = "wagate_worker.sessions.runtime"


def reconnect_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """Return the delay of each reconnect the runtime scheduled, in order."""
    delays: list[float] = []
    for record in caplog.records:
        if record.name != RUNTIME_LOGGER or "reconnecting in" not in str(record.msg):
            continue
        assert isinstance(record.args, tuple)
        delay = record.args[0]
        assert isinstance(delay, float)
        delays.append(delay)
    return delays


async def test_connect_command_restarts_backoff(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=RUNTIME_LOGGER)
    network.unreachable.add("s1")
    await AuthStore(infra.db).save("s1", PHONE.encode())
    # No jitter (TEST_TIMERS) and no cap in reach: delays are 0.05, 0.1, 0.2…
    await start_worker(reconnect_base_seconds=BASE_SECONDS, reconnect_max_seconds=3600)
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)
    await publish_command(infra, ConnectCommand(session_id="s1"))
    await wait_until(lambda: len(reconnect_delays(caplog)) >= 3)

    await publish_command(infra, ConnectCommand(session_id="s1"))
    try:
        await wait_until(lambda: reconnect_delays(caplog).count(BASE_SECONDS) >= 2)
    except TimeoutError:
        raise AssertionError(
            f"the delays never started over: {reconnect_delays(caplog)}"
        ) from None

    assert reconnect_delays(caplog)[:3] == [0.05, 0.1, 0.2]

"""Timers: the reconnect schedule doubles its wait and resets on success."""

from __future__ import annotations

import asyncio
import time

from wagate_worker.sessions.backoff import BackoffPolicy
from wagate_worker.sessions.timers import ReconnectSchedule, Timer


async def test_reconnect_delays_double_until_reset() -> None:
    fired = asyncio.Event()
    schedule = ReconnectSchedule(BackoffPolicy(0.01, 0.04), fired.set)

    delays = []
    for _ in range(4):
        delays.append(schedule.schedule())
        await asyncio.wait_for(fired.wait(), 1.0)
        fired.clear()
    schedule.reset()

    assert delays == [0.01, 0.02, 0.04, 0.04]
    assert schedule.schedule() == 0.01
    schedule.cancel()


async def test_reconnect_not_scheduled_twice() -> None:
    schedule = ReconnectSchedule(BackoffPolicy(10.0, 10.0), lambda: None)

    first = schedule.schedule()
    second = schedule.schedule()
    schedule.cancel()

    assert first == 10.0
    assert second is None
    assert schedule.failures == 1


async def test_timer_keeps_earlier_due_time() -> None:
    calls: list[float] = []
    timer = Timer(lambda: calls.append(time.monotonic()))
    start = time.monotonic()

    timer.schedule_at(start + 0.02)
    timer.schedule_at(start + 5.0)
    await asyncio.sleep(0.1)

    assert len(calls) == 1
    assert calls[0] - start < 1.0
    assert not timer.is_pending

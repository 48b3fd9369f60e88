"""The start gate: concurrency, rate, suspects alone, tickets that expire."""

from __future__ import annotations

import asyncio
import time

import pytest

from wagate_worker.sessions.starts import StartGate, StartTicket

FAST = 1000.0


async def test_concurrency_is_capped_until_a_ticket_is_released() -> None:
    gate = StartGate(per_second=FAST, concurrency=2, hold_seconds=60)
    first = await gate.acquire(exclusive=False)
    second = await gate.acquire(exclusive=False)

    third = asyncio.create_task(gate.acquire(exclusive=False))
    await asyncio.sleep(0.05)
    assert not third.done()
    assert gate.running == 2

    first.release()
    ticket = await asyncio.wait_for(third, 1.0)
    assert gate.running == 2
    for held in (second, ticket):
        held.release()
    assert gate.running == 0


async def test_rate_spaces_the_starts() -> None:
    gate = StartGate(per_second=20.0, concurrency=10, hold_seconds=60)

    began = time.monotonic()
    tickets = [await gate.acquire(exclusive=False) for _ in range(5)]
    elapsed = time.monotonic() - began

    # Five starts at 20 a second: the last waits for four intervals of 50 ms.
    assert elapsed >= 0.2 - 0.01
    for ticket in tickets:
        ticket.release()


async def test_suspect_waits_for_running_starts_and_then_runs_alone() -> None:
    gate = StartGate(per_second=FAST, concurrency=8, hold_seconds=60)
    ordinary = await gate.acquire(exclusive=False)

    suspect = asyncio.create_task(gate.acquire(exclusive=True))
    await asyncio.sleep(0.05)
    assert not suspect.done()
    # A waiting suspect goes before ordinary starts that come after it.
    later = asyncio.create_task(gate.acquire(exclusive=False))
    await asyncio.sleep(0.05)
    assert not later.done()

    ordinary.release()
    alone = await asyncio.wait_for(suspect, 1.0)
    await asyncio.sleep(0.05)
    assert not later.done()
    assert gate.running == 1

    alone.release()
    (await asyncio.wait_for(later, 1.0)).release()
    assert gate.running == 0


async def test_ticket_releases_itself_after_the_hold_time() -> None:
    gate = StartGate(per_second=FAST, concurrency=1, hold_seconds=0.05)
    await gate.acquire(exclusive=False)

    ticket = await asyncio.wait_for(gate.acquire(exclusive=False), 1.0)

    assert isinstance(ticket, StartTicket)
    ticket.release()


@pytest.mark.parametrize("exclusive", [False, True])
async def test_release_twice_gives_back_one_place(exclusive: bool) -> None:
    gate = StartGate(per_second=FAST, concurrency=1, hold_seconds=60)
    ticket = await gate.acquire(exclusive=exclusive)

    ticket.release()
    ticket.release()

    assert gate.running == 0

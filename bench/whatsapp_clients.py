"""Measure the memory the WhatsApp driver keeps per connection attempt.

WhatsApp cannot be reached from the machines this runs on, so no client stays
connected: each attempt creates a neonize client over its own SQLite store,
fails to dial, and is stopped, as the worker's reconnect loop does. The
script prints the process's resident memory after each round, which shows
what a failed attempt leaves behind (Go state, threads, SQLite handles).

Run: .venv/bin/python bench/whatsapp_clients.py [rounds] [sessions]
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import cast

from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import Disconnected, DriverEvent
from wagate_worker.drivers.whatsapp import WhatsAppDriver, WhatsAppOptions


class MemoryAuthStore:
    """The AuthStore's three calls on a dict; MongoDB is not part of this test."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def load(self, session_id: str) -> bytes | None:
        return self.files.get(session_id)

    async def save(self, session_id: str, data: bytes) -> None:
        self.files[session_id] = data

    async def delete(self, session_id: str) -> None:
        self.files.pop(session_id, None)


class DropCounter:
    def __init__(self) -> None:
        self.drops = 0
        self.changed = asyncio.Event()

    async def on_driver_event(self, event: DriverEvent) -> None:
        if isinstance(event, Disconnected):
            self.drops += 1
            self.changed.set()


def resident_mib() -> float:
    """Return the current resident set size in MiB (Linux /proc)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


async def run(rounds: int, sessions: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="wagate-bench-"))
    options = WhatsAppOptions(
        data_dir=data_dir, connect_seconds=10, pairing_seconds=60, executor_threads=64
    )
    counter = DropCounter()
    auth = cast(AuthStore, MemoryAuthStore())
    drivers = [
        WhatsAppDriver(f"bench-{index}", auth, counter, options)
        for index in range(sessions)
    ]
    print(
        f"before any client: {resident_mib():.1f} MiB, {threading.active_count()} threads"
    )
    started = time.monotonic()
    for round_number in range(1, rounds + 1):
        expected = round_number * sessions
        for driver in drivers:
            await driver.connect(None)
        while counter.drops < expected:
            counter.changed.clear()
            await counter.changed.wait()
        print(
            f"after round {round_number:3d} ({expected:5d} attempts): "
            f"{resident_mib():.1f} MiB, {threading.active_count()} threads, "
            f"{time.monotonic() - started:.1f} s"
        )


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    arguments = [int(value) for value in sys.argv[1:3]]
    rounds, sessions = (arguments + [10, 20][len(arguments) :])[:2]
    asyncio.run(run(rounds, sessions))

"""The whole stack started with ``wagate up`` as a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest

from tests.e2e.receiver import Receiver
from wagate_common.embedded import free_port, stop_process

ADMIN_KEY = "wsk_e2e_admin_key_0123456789abcdefghijklmn"


@dataclass
class RunningStack:
    """The started stack: its process, its api client and its output file."""

    process: subprocess.Popen[bytes]
    api: httpx.Client
    log_path: Path


def start_stack(
    data_dir: Path, log_path: Path, api_port: int, extra_env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """Run ``wagate up`` with every port free and wait for its banner."""
    env = {
        **os.environ,
        "WAGATE_ADMIN_API_KEY": ADMIN_KEY,
        "WAGATE_API_PORT": str(api_port),
        "WAGATE_EMBEDDED_NATS_PORT": str(free_port()),
        "WAGATE_EMBEDDED_MONGO_PORT": str(free_port()),
        "WAGATE_WORKER_PROBE_PORT": str(free_port()),
        "WAGATE_DISPATCHER_PROBE_PORT": str(free_port()),
        "WAGATE_SANDBOX_PROBE_PORT": str(free_port()),
        "WAGATE_SANDBOX_QR_SECONDS": "5",
        **extra_env,
    }
    wagate = Path(sys.executable).parent / "wagate"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(wagate), "up", "--data-dir", str(data_dir)],
            env=env,
            stdout=log,
            stderr=log,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("wagate up exited:\n" + log_path.read_text())
        if "wagate is running" in log_path.read_text():
            return process
        time.sleep(0.2)
    stop_process(process)
    raise AssertionError("wagate up did not start:\n" + log_path.read_text())


class StackFactory(Protocol):
    """Starts ``wagate up``, optionally with more environment variables."""

    def __call__(self, extra_env: dict[str, str] | None = None) -> RunningStack: ...


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator[StackFactory]:
    started: list[RunningStack] = []
    api_port = free_port()

    def start(extra_env: dict[str, str] | None = None) -> RunningStack:
        log_path = tmp_path / f"wagate-{len(started)}.log"
        process = start_stack(tmp_path / "data", log_path, api_port, extra_env or {})
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{api_port}",
            headers={"X-API-Key": ADMIN_KEY},
            timeout=30,
        )
        stack = RunningStack(process=process, api=api, log_path=log_path)
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.api.close()
        stop_process(stack.process, timeout=60)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.start()
    yield running
    running.stop()

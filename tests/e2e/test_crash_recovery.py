"""A crashed service is restarted by ``wagate up`` and nothing accepted is lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.e2e.conftest import StackFactory
from tests.e2e.test_walkthrough import PHONE, pair_new_session, wait_for_message


def child_pid(parent: int, module: str) -> int:
    """Return the pid of the child of ``parent`` running ``python -m module``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent_pid = int(stat.rsplit(")", 1)[1].split()[1])
        if parent_pid == parent and module.encode() in command:
            return int(entry.name)
    raise AssertionError(f"no child running {module}")


def test_killed_worker_is_restarted(stack_factory: StackFactory) -> None:
    # The killed worker may already have fetched the send; the broker delivers
    # it again after the ack wait, which is shortened to stay within the poll.
    stack = stack_factory({"WAGATE_WORKER_COMMAND_ACK_WAIT_SECONDS": "5"})
    pair_new_session(stack.api, "sturdy")
    worker = child_pid(stack.process.pid, "wagate_worker")

    os.kill(worker, signal.SIGKILL)
    sent = stack.api.post(
        "/v1/messages/text",
        json={"sessionId": "sturdy", "to": PHONE, "text": "after crash"},
    )

    assert sent.status_code == 202, sent.text
    message = wait_for_message(stack.api, sent.json()["data"]["id"], "sent")
    assert message["waMessageId"]
    assert stack.process.poll() is None
    assert child_pid(stack.process.pid, "wagate_worker") != worker
    assert "worker exited with status -9; restarting it" in stack.log_path.read_text()

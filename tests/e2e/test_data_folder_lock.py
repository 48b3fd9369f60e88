"""``wagate up`` on a data folder that another ``wagate up`` uses."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import StackFactory
from tests.e2e.test_port_conflicts import run_up_to_exit, up_environment
from wagate_common.embedded import free_port

LOCK_FILE = "wagate-up.lock"


@contextmanager
def held_lock(data_dir: Path, pid: int) -> Iterator[None]:
    """Hold the data folder's lock as a running ``wagate up`` with ``pid`` does."""
    data_dir.mkdir(parents=True)
    with (data_dir / LOCK_FILE).open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock_file.write(f"{pid}\n")
        lock_file.flush()
        yield


def lock_holders(lock_path: Path) -> list[int]:
    """Return the pids of the processes that have ``lock_path`` open."""
    holders = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            targets = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if str(lock_path) in targets:
            holders.append(int(entry.name))
    return holders


def test_up_rejects_folder_of_running_stack(
    stack_factory: StackFactory, tmp_path: Path
) -> None:
    first = stack_factory()
    data_dir = (tmp_path / "data").resolve()

    second = run_up_to_exit(data_dir, up_environment(free_port()))

    assert second.returncode == 1
    assert (
        f"wagate up could not start: data folder {data_dir} is in use by another "
        f"wagate up (pid {first.process.pid}); stop it or choose another with "
        "--data-dir" in second.stderr
    )
    assert "nats       |" not in second.stdout
    assert "wagate is running" not in second.stdout
    assert first.process.poll() is None
    assert first.api.get("/health/ready").status_code == 200
    assert (data_dir / LOCK_FILE).read_text() == f"{first.process.pid}\n"


def test_up_rejects_folder_locked_by_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    with held_lock(data_dir, os.getpid()):
        result = run_up_to_exit(data_dir, up_environment(free_port()))

    assert result.returncode == 1
    assert f"is in use by another wagate up (pid {os.getpid()})" in result.stderr
    assert "nats       |" not in result.stdout
    assert sorted(path.name for path in data_dir.iterdir()) == [LOCK_FILE]


def test_up_keeps_lock_while_children_run(
    stack_factory: StackFactory, tmp_path: Path
) -> None:
    first = stack_factory()
    data_dir = (tmp_path / "data").resolve()
    lock_path = data_dir / LOCK_FILE

    # Killed at once, wagate up cannot stop its children, which keep using
    # the folder.
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=30)
    orphans = lock_holders(lock_path)
    try:
        second = run_up_to_exit(data_dir, up_environment(free_port()))
    finally:
        for pid in orphans:
            os.kill(pid, signal.SIGKILL)

    assert len(orphans) == 6
    assert second.returncode == 1
    assert (
        f"is in use by processes that wagate up (pid {first.process.pid}) started "
        f"and left running when it ended; stop them (they hold {lock_path} open)"
        in second.stderr
    )
    assert "nats       |" not in second.stdout


def test_failed_port_check_leaves_no_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    api_port = free_port()
    env = up_environment(api_port)
    env.pop("WAGATE_ADMIN_API_KEY")

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", api_port))
        taken.listen()
        result = run_up_to_exit(data_dir, env)

    assert result.returncode == 1
    assert f"api port {api_port} is already in use" in result.stderr
    assert not (tmp_path / "new").exists()


def test_up_starts_after_other_stack_stopped(
    stack_factory: StackFactory, tmp_path: Path
) -> None:
    first = stack_factory()
    first.process.send_signal(signal.SIGINT)
    assert first.process.wait(timeout=90) == 0
    assert not (tmp_path / "data" / LOCK_FILE).exists()

    second = stack_factory()

    assert second.api.get("/health/ready").status_code == 200

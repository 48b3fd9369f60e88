"""The lock that keeps a second ``wagate up`` out of a data folder in use.

Two stacks on one folder would run two nats-servers on one JetStream store,
which can damage it before SecantusDB's own lock stops the second start. The
lock is an ``flock`` on a file inside the folder, so the system releases it
when every process holding the file open has exited, also after a crash.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_FILE = "wagate-up.lock"


class DataFolderInUseError(Exception):
    """Another ``wagate up``, or processes it started, hold the data folder's lock."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        holder = "another wagate up"
        action = "stop it"
        if pid is not None and _is_running(pid):
            holder = f"another wagate up (pid {pid})"
        elif pid is not None:
            holder = (
                f"processes that wagate up (pid {pid}) started and left running "
                "when it ended"
            )
            action = f"stop them (they hold {data_dir / LOCK_FILE} open)"
        super().__init__(
            f"data folder {data_dir} is in use by {holder}; {action} or choose "
            "another with --data-dir or WAGATE_DATA_DIR"
        )


class DataFolderLock:
    """An exclusive lock on a data folder, held from :meth:`acquire` to :meth:`release`.

    The lock file contains the owner's pid and is removed on release. A process
    that opened the file just before the owner removed it finds out after
    locking, because the path then names another file or none, and tries again.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self.fd: int | None = None
        # The folders acquire() created, deepest first, for release() to remove.
        self._created_folders: list[Path] = []

    def acquire(self) -> None:
        """Create the folder if needed and lock it.

        Raises:
            DataFolderInUseError: when another process holds the lock.
            OSError: when the folder or the lock file cannot be created.
        """
        self._created_folders = [
            folder
            for folder in [self.data_dir, *self.data_dir.parents]
            if not folder.exists()
        ]
        while self.fd is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except FileNotFoundError:
                # A failed start that created the folder removed it meanwhile.
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = _read_pid(fd)
                os.close(fd)
                raise DataFolderInUseError(self.data_dir, pid) from None
            if _names_same_file(fd, self.path):
                self.fd = fd
            else:
                os.close(fd)

        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        logger.debug("locked data folder", extra={"path": str(self.path)})

    def fileno(self) -> int:
        """Return the lock file's descriptor; children that inherit it share the lock.

        Raises:
            RuntimeError: when the lock is not held.
        """
        if self.fd is None:
            raise RuntimeError(f"data folder {self.data_dir} is not locked")
        return self.fd

    def release(self, remove_new_folders: bool = False) -> None:
        """Remove the lock file and unlock.

        With ``remove_new_folders``, the folders :meth:`acquire` created are
        removed too, as far as they are empty.
        """
        if self.fd is None:
            return
        self.path.unlink(missing_ok=True)
        if remove_new_folders:
            for folder in self._created_folders:
                try:
                    folder.rmdir()
                except OSError:
                    break
        os.close(self.fd)
        self.fd = None


def _names_same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _read_pid(fd: int) -> int | None:
    # The owner writes its pid just after locking, so the file may still be empty.
    text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    return int(text) if text.isdigit() else None


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

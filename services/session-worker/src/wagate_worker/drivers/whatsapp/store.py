"""A session's whatsmeow SQLite store on local disk, and its copy in the AuthStore.

The worker keeps one SQLite file per session under its data directory, so
that sessions never share a database. The file is restored from MongoDB when
it is missing, which happens when another worker ran the session before. It
is copied back after the device connects and when the session stops, so the
next owner of the shard resumes the session without a new QR code.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.whatsapp import snapshot
from wagate_worker.drivers.whatsapp.errors import StoreSnapshotError

logger = logging.getLogger(__name__)

# Session ids are checked by the api; this guards the file name all the same.
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# SQLite's side files of a database in rollback-journal or WAL mode.
_SIDE_SUFFIXES = ("-journal", "-wal", "-shm")
# Copying a 6.5 MiB store took 0.04 s on a 2-vCPU Xeon test machine. The limit
# only keeps a stuck child process from blocking a disconnect.
SNAPSHOT_TIMEOUT_SECONDS = 10.0
_SQLITE_HEADER = b"SQLite format 3\x00"


class DeviceStore:
    """The SQLite file of one session and its copy in the AuthStore."""

    def __init__(self, data_dir: Path, session_id: str, auth: AuthStore) -> None:
        if not _SAFE_NAME.match(session_id):
            raise ValueError(f"session id {session_id!r} cannot name a store file")
        self.session_id = session_id
        self.path = data_dir / "whatsapp" / f"{session_id}.sqlite"
        self._auth = auth
        self._log_extra = {"session_id": session_id}

    async def restore(self) -> bool:
        """Write the stored copy to disk if the file is missing; return if it did.

        Creates the file's folder either way, since whatsmeow creates only the file.

        Raises:
            StoreSnapshotError: when the stored copy is not a SQLite database.
        """
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        if await asyncio.to_thread(self.path.exists):
            return False
        data = await self._auth.load(self.session_id)
        if data is None:
            return False
        if not data.startswith(_SQLITE_HEADER):
            raise StoreSnapshotError(self.session_id, "in MongoDB is not SQLite data")

        await asyncio.to_thread(self._write_atomically, data)
        logger.info(
            "device store restored", extra={**self._log_extra, "bytes": len(data)}
        )
        return True

    async def save(self) -> None:
        """Copy the file consistently into the AuthStore; nothing if it is missing.

        Raises:
            StoreSnapshotError: when the copy failed.
        """
        if not await asyncio.to_thread(self.path.exists):
            return
        data = await self.snapshot()
        await self._auth.save(self.session_id, data)
        logger.info("device store saved", extra={**self._log_extra, "bytes": len(data)})

    async def snapshot(self) -> bytes:
        """Return a consistent copy of the live file, made in a child process.

        Raises:
            StoreSnapshotError: when the copy failed or took too long.
        """
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f".{self.session_id}-", suffix=".copy", dir=self.path.parent
        )
        os.close(handle)
        target = Path(name)
        try:
            await self._copy_in_child(target)
            return await asyncio.to_thread(target.read_bytes)
        finally:
            await asyncio.to_thread(target.unlink, missing_ok=True)

    async def delete(self) -> None:
        """Delete the file, its SQLite side files and the stored copy."""
        await asyncio.to_thread(self._delete_files)
        await self._auth.delete(self.session_id)
        logger.info("device store deleted", extra=self._log_extra)

    async def _copy_in_child(self, target: Path) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            snapshot.__file__,
            str(self.path),
            str(target),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(SNAPSHOT_TIMEOUT_SECONDS):
                _, stderr = await process.communicate()
        except TimeoutError as error:
            process.kill()
            await process.wait()
            raise StoreSnapshotError(self.session_id, "copy timed out") from error
        if process.returncode != 0:
            detail = stderr.decode(errors="replace").strip()
            raise StoreSnapshotError(self.session_id, f"could not be copied: {detail}")

    def _write_atomically(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".restoring")
        temporary.write_bytes(data)
        os.replace(temporary, self.path)

    def _delete_files(self) -> None:
        self.path.unlink(missing_ok=True)
        for suffix in _SIDE_SUFFIXES:
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)

"""The ``sessions`` collection."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from wagate_common.errors import ConflictError, ErrorCode
from wagate_common.ids import utc_now
from wagate_common.schemas.sessions import DesiredStatus, Driver, SessionStatus
from wagate_common.storage.database import Document
from wagate_common.storage.paging import find_page


class SessionRepository:
    """Session records: what the user asked for and what the worker reports."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["sessions"]

    async def create(
        self,
        session_id: str,
        name: str | None,
        driver: Driver,
        shard: int,
        metadata: dict[str, Any],
    ) -> Document:
        """Insert a new session in status ``created``.

        Raises:
            ConflictError: when the id is already taken.
        """
        now = utc_now()
        document: Document = {
            "_id": session_id,
            "name": name,
            "driver": driver.value,
            "status": SessionStatus.CREATED.value,
            "desiredStatus": DesiredStatus.DISCONNECTED.value,
            "me": None,
            "qr": None,
            "pairingCode": None,
            "shard": shard,
            "worker": None,
            "lastError": None,
            "metadata": metadata,
            "createdAt": now,
            "updatedAt": now,
        }
        try:
            await self._collection.insert_one(document)
        except DuplicateKeyError as error:
            raise ConflictError(
                ErrorCode.SESSION_EXISTS, f"session '{session_id}' already exists"
            ) from error
        return document

    async def get(self, session_id: str) -> Document | None:
        """Return one session, or None."""
        return await self._collection.find_one({"_id": session_id})

    async def list_page(
        self,
        status: SessionStatus | None,
        cursor: str | None,
        limit: int,
        only: frozenset[str] | None = None,
    ) -> tuple[list[Document], str | None]:
        """Return one page of sessions, optionally of one status or of ``only`` ids."""
        query: dict[str, Any] = {"status": status.value} if status else {}
        if only is not None:
            query["_id"] = {"$in": sorted(only)}
        return await find_page(self._collection, query, cursor, limit)

    async def list_by_shard(self, shard: int) -> list[Document]:
        """Return every session of a shard (a worker loads these on claiming it)."""
        return await self._collection.find({"shard": shard}).to_list(length=None)

    async def update(self, session_id: str, fields: dict[str, Any]) -> Document | None:
        """Set ``fields`` and ``updatedAt``; return the new document or None."""
        return await self._collection.find_one_and_update(
            {"_id": session_id},
            {"$set": {**fields, "updatedAt": utc_now()}},
            return_document=ReturnDocument.AFTER,
        )

    async def begin_start(self, session_id: str, worker_id: str) -> int:
        """Count a start of the session's driver; return the unfinished starts before.

        A start is finished by :meth:`finish_start`. One that never finishes
        was cut short by the death of its worker (a crash inside the driver's
        native library takes the whole process with it).
        """
        document = await self._collection.find_one_and_update(
            {"_id": session_id},
            {"$inc": {"startCrashes": 1}, "$set": {"startingOn": worker_id}},
            return_document=ReturnDocument.BEFORE,
        )
        if document is None:
            return 0
        return int(document.get("startCrashes") or 0)

    async def finish_start(self, session_id: str) -> None:
        """Record that the session's driver started without killing its worker."""
        await self._collection.update_one(
            {"_id": session_id}, {"$set": {"startCrashes": 0, "startingOn": None}}
        )

    async def delete(self, session_id: str) -> bool:
        """Delete a session record; return whether it existed."""
        result = await self._collection.delete_one({"_id": session_id})
        return result.deleted_count == 1

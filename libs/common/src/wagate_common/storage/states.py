"""The ``states`` collection: one small state record per (session, chat) for bots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from wagate_common.ids import new_id, utc_now
from wagate_common.storage.database import Document
from wagate_common.storage.paging import find_page


class VersionConflictError(Exception):
    """A conditional write named a version that is not the stored one."""


def _live(now: datetime) -> dict[str, Any]:
    """Match live states; MongoDB's TTL monitor deletes expired ones later."""
    return {"$or": [{"expiresAt": None}, {"expiresAt": {"$gt": now}}]}


class StateRepository:
    """Conversation states with optimistic concurrency and an optional expiry."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["states"]

    async def get(self, session_id: str, jid: str) -> Document | None:
        """Return a live state, or None when absent or expired."""
        now = utc_now()
        return await self._collection.find_one(
            {"$and": [{"sessionId": session_id, "jid": jid}, _live(now)]}
        )

    async def put(
        self,
        session_id: str,
        jid: str,
        fields: dict[str, Any],
        ttl_seconds: int | None,
        if_match: int | Literal["*"] | None,
    ) -> Document:
        """Write a state and increase its version by one.

        With ``if_match`` the write happens only when the stored live version
        equals it, or with ``"*"`` when a live state exists at all. Otherwise
        it replaces whatever is there, and an absent or expired state starts
        again at version 1.

        Raises:
            VersionConflictError: when ``if_match`` does not match.
        """
        now = utc_now()
        expires_at = now + timedelta(seconds=ttl_seconds) if ttl_seconds else None
        update = {**fields, "expiresAt": expires_at, "updatedAt": now}
        key = {"sessionId": session_id, "jid": jid}

        if if_match is not None:
            matched = key if if_match == "*" else {**key, "version": if_match}
            document = await self._collection.find_one_and_update(
                {"$and": [matched, _live(now)]},
                {"$set": update, "$inc": {"version": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if document is None:
                raise VersionConflictError
            return document

        await self._collection.delete_one(
            {**key, "expiresAt": {"$ne": None, "$lte": now}}
        )
        return await self._upsert(key, update, now)

    async def delete(self, session_id: str, jid: str) -> bool:
        """Delete a live state; return whether one existed."""
        now = utc_now()
        result = await self._collection.delete_one(
            {"$and": [{"sessionId": session_id, "jid": jid}, _live(now)]}
        )
        return result.deleted_count == 1

    async def delete_session(self, session_id: str) -> int:
        """Delete every state of a session; return how many there were."""
        result = await self._collection.delete_many({"sessionId": session_id})
        return result.deleted_count

    async def list_page(
        self, session_id: str, state: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Document], str | None]:
        """Return one page of a session's live states, optionally in one state."""
        query: dict[str, Any] = {"sessionId": session_id}
        if state is not None:
            query["state"] = state
        return await find_page(
            self._collection, {"$and": [query, _live(utc_now())]}, cursor, limit
        )

    async def _upsert(
        self, key: dict[str, str], update: dict[str, Any], now: datetime
    ) -> Document:
        # Two first writes racing on the unique index: the loser's insert fails
        # and its retry updates the winner's document instead.
        for _ in range(2):
            try:
                document = await self._collection.find_one_and_update(
                    key,
                    {
                        "$set": update,
                        "$inc": {"version": 1},
                        "$setOnInsert": {"_id": new_id("st"), "createdAt": now},
                    },
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue
            if document is not None:
                return document
        raise RuntimeError("state upsert failed twice on the unique index")

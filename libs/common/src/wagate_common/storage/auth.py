"""Device auth data of each session, kept in GridFS (bucket ``auth``)."""

from __future__ import annotations

from gridfs import AsyncGridFSBucket, NoFile
from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.storage.database import Document


class AuthStore:
    """One file per session, named by the session id; the newest revision wins.

    A save writes a new revision before deleting older ones, so a crash in
    between leaves the old data readable rather than nothing.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._bucket = AsyncGridFSBucket(db, bucket_name="auth")
        self._files = db["auth.files"]

    async def load(self, session_id: str) -> bytes | None:
        """Return the newest auth data of a session, or None."""
        try:
            stream = await self._bucket.open_download_stream_by_name(session_id)
        except NoFile:
            return None
        return await stream.read()

    async def save(self, session_id: str, data: bytes) -> None:
        """Store a new revision and drop the older ones."""
        new_id = await self._bucket.upload_from_stream(session_id, data)
        await self._delete_revisions(session_id, keep=new_id)

    async def delete(self, session_id: str) -> None:
        """Drop every revision of a session's auth data."""
        await self._delete_revisions(session_id, keep=None)

    async def _delete_revisions(self, session_id: str, keep: object) -> None:
        async for file in self._files.find({"filename": session_id}, {"_id": 1}):
            if file["_id"] != keep:
                await self._bucket.delete(file["_id"])

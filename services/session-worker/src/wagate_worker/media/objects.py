"""The JetStream object store bucket ``media``: sent and downloaded media bytes."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext
from nats.js.errors import ObjectNotFoundError
from nats.js.object_store import ObjectStore

from wagate_common.broker import subjects

# Time limit of reading or writing one object. nats-py waits for every chunk
# without a limit of its own, and a chunk can expire under a reader.
OBJECT_TIMEOUT_SECONDS = 60.0


def received_object_name(session_id: str, wa_message_id: str) -> str:
    """Return the object name of a received message's downloaded media."""
    return f"in/{session_id}/{wa_message_id}"


class MediaObjects:
    """Reads and writes objects of the ``media`` bucket.

    ``ensure_streams`` creates the bucket with the media retention as its TTL.
    """

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self._store: ObjectStore | None = None

    async def read(self, name: str) -> bytes | None:
        """Return the object's bytes, or None when it does not exist (or expired).

        Raises:
            TimeoutError: the broker did not deliver the object in time.
            nats.errors.Error: the broker failed, or the bytes do not match
                the digest the object was stored with.
        """
        store = await self._bucket()
        try:
            async with asyncio.timeout(OBJECT_TIMEOUT_SECONDS):
                result = await store.get(name)
        except ObjectNotFoundError:
            return None
        return result.data or b""

    async def put(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name``, replacing an object of that name.

        The mimetype and file name travel in the reply that names the object,
        not in the object's metadata.
        """
        store = await self._bucket()
        async with asyncio.timeout(OBJECT_TIMEOUT_SECONDS):
            await store.put(name, data)

    async def _bucket(self) -> ObjectStore:
        if self._store is None:
            self._store = await self._js.object_store(subjects.MEDIA_BUCKET)
        return self._store

"""Base64 media of send requests, and the ``media`` object store that keeps it.

The api decodes and checks base64 media, then stores the bytes in the
JetStream object store, and the send command names the object instead of
carrying the bytes. Received media that a client downloads passes through the
same bucket: the worker stores it there and the api streams it out.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import tempfile
from collections.abc import AsyncIterator
from typing import IO

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import ObjectNotFoundError

from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.mediatypes import MediaRejectedError, check_media, check_size
from wagate_common.schemas.commands import StoredMedia

logger = logging.getLogger(__name__)

BASE64_FIELD = "media.base64"
STREAM_CHUNK_BYTES = 256 * 1024
# Objects of at most this size are streamed from memory, larger ones from a file.
SPOOL_MAX_MEMORY_BYTES = 4 * 1024 * 1024


def outgoing_object_name(message_id: str) -> str:
    """Return the object name of an outgoing message's media."""
    return f"out/{message_id}"


def decoded_size_estimate(encoded: str) -> int:
    """Return how many bytes ``encoded`` base64 decodes to, without decoding it.

    Exact for valid base64, padded or not. For invalid input it is only an
    estimate, which is enough to reject a body that is far too large.
    """
    length = len(encoded)
    padding = len(encoded) - len(encoded.rstrip("="))
    return max(length * 3 // 4 - min(padding, 2), 0)


def decode_media(media_type: str, encoded: str, mimetype: str) -> tuple[bytes, str]:
    """Decode base64 media and check it; return the bytes and the mimetype to send.

    The size is checked from the base64 length first, so an oversized body is
    rejected before anything is decoded.

    Raises:
        WagateError: 413 ``PAYLOAD_TOO_LARGE`` over the type's size limit,
            400 ``VALIDATION_ERROR`` for invalid base64 or empty media,
            415 ``UNSUPPORTED_MEDIA_TYPE`` for a type that ``media_type`` rejects.
    """
    try:
        check_size(media_type, decoded_size_estimate(encoded))
    except MediaRejectedError as error:
        raise _rejection(error) from error
    try:
        # validate=True rejects characters outside the alphabet (including
        # line breaks) instead of skipping them.
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise _invalid_base64(f"not valid base64 ({error})") from error
    if not data:
        raise _invalid_base64("the media is empty")
    try:
        checked_mimetype = check_media(media_type, mimetype, data)
    except MediaRejectedError as error:
        raise _rejection(error) from error
    return data, checked_mimetype


class MediaStore:
    """The ``media`` object store bucket."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def put(
        self, name: str, data: bytes, mimetype: str, filename: str | None
    ) -> StoredMedia:
        """Store ``data`` under ``name`` and return its description for a command.

        Raises:
            WagateError: 503 ``NOT_READY`` when the broker did not store it.
        """
        try:
            bucket = await self._js.object_store(subjects.MEDIA_BUCKET)
            await bucket.put(name, data)
        except (NatsError, TimeoutError) as error:
            logger.warning(
                "media store failed",
                extra={"object": name, "size": len(data), "error": repr(error)},
            )
            raise WagateError(
                503, ErrorCode.NOT_READY, "the message broker is unavailable; try again"
            ) from error
        digest = await asyncio.to_thread(_sha256_hex, data)
        return StoredMedia(
            name=name,
            size=len(data),
            sha256=digest,
            mimetype=mimetype,
            filename=filename,
        )

    async def exists(self, name: str) -> bool:
        """Check whether the object ``name`` is still stored."""
        bucket = await self._js.object_store(subjects.MEDIA_BUCKET)
        try:
            await bucket.get_info(name)
        except ObjectNotFoundError:
            return False
        return True

    async def open(self, name: str) -> tuple[int, AsyncIterator[bytes]]:
        """Fetch an object; return its size and an iterator over its bytes in chunks.

        The object is fetched whole first (into memory when small, else into
        a temporary file), so that a missing object raises here, before any
        response has started.

        Raises:
            ObjectNotFoundError: the object is not stored (expired or never put).
        """
        bucket = await self._js.object_store(subjects.MEDIA_BUCKET)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY_BYTES)  # noqa: SIM115
        try:
            result = await bucket.get(name, writeinto=spool)  # type: ignore[arg-type]
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return int(result.info.size or 0), _chunks(spool)


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := spool.read(STREAM_CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rejection(error: MediaRejectedError) -> WagateError:
    code = (
        ErrorCode.PAYLOAD_TOO_LARGE
        if error.status == 413
        else ErrorCode.UNSUPPORTED_MEDIA_TYPE
    )
    return WagateError(error.status, code, str(error))


def _invalid_base64(reason: str) -> WagateError:
    message = f"{BASE64_FIELD}: {reason}"
    return WagateError(
        400,
        ErrorCode.VALIDATION_ERROR,
        f"the request is invalid: {message}",
        {"fields": [{"field": BASE64_FIELD, "message": reason}]},
    )

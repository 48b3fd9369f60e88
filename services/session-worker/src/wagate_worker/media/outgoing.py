"""Turning a send command into the driver's :class:`OutgoingMessage`.

Media comes from the ``media`` object store (uploaded through the api) or
from the caller's URL; a text may get a link preview. Everything the driver
needs is resolved here, so that no driver touches the object store or a
caller's URL.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from nats.errors import Error as NatsError
from nats.js.errors import DigestMismatchError

from wagate_common.mediatypes import (
    RULES,
    UNKNOWN_MIMETYPE,
    MediaRejectedError,
    base_mimetype,
    check_media,
)
from wagate_common.schemas.commands import (
    MediaContent,
    SendCommand,
    StoredMedia,
    TextContent,
    UrlMedia,
)
from wagate_worker.drivers.base import LinkPreview, MediaBytes, OutgoingMessage
from wagate_worker.media.errors import MediaUnavailableError
from wagate_worker.media.fetch import BodyTooLargeError, FetchError, GuardedFetcher
from wagate_worker.media.objects import MediaObjects
from wagate_worker.media.preview import LinkPreviewer

logger = logging.getLogger(__name__)

# Content types that do not name a format, so the bytes decide instead.
_GENERIC_MIMETYPES = frozenset({UNKNOWN_MIMETYPE, "binary/octet-stream"})


class OutgoingPreparer:
    """Resolves media bytes and link previews of send commands."""

    def __init__(
        self,
        objects: MediaObjects,
        fetcher: GuardedFetcher,
        *,
        media_fetch_timeout_seconds: float,
        link_preview_timeout_seconds: float,
        media_retention_hours: int,
    ) -> None:
        self._objects = objects
        self._fetcher = fetcher
        self._fetch_timeout = media_fetch_timeout_seconds
        self._previewer = LinkPreviewer(fetcher, link_preview_timeout_seconds)
        self._retention_hours = media_retention_hours

    async def prepare(self, session_id: str, command: SendCommand) -> OutgoingMessage:
        """Return the message to hand to the driver.

        Raises:
            MediaUnavailableError: the media could not be read or fetched, or
                broke the size or type rules of its media type.
        """
        content = command.content
        log_extra: dict[str, object] = {
            "session_id": session_id,
            "message_id": command.message_id,
        }
        media: MediaBytes | None = None
        preview: LinkPreview | None = None
        if isinstance(content, MediaContent):
            media = await self._media(content, log_extra)
        elif isinstance(content, TextContent) and content.link_preview:
            preview = await self._previewer.preview(content.text, log_extra)
        return OutgoingMessage(
            command.message_id, command.to, content, media=media, preview=preview
        )

    async def _media(
        self, content: MediaContent, log_extra: dict[str, object]
    ) -> MediaBytes:
        source = content.media
        if isinstance(source, StoredMedia):
            return await self._stored(source)
        return await self._fetched(content.media_type, source, log_extra)

    async def _stored(self, stored: StoredMedia) -> MediaBytes:
        try:
            data = await self._objects.read(stored.name)
        except DigestMismatchError as error:
            raise MediaUnavailableError(
                f"the media object '{stored.name}' is damaged: its chunks do not "
                "match the digest it was stored with"
            ) from error
        except (NatsError, TimeoutError) as error:
            raise MediaUnavailableError(
                f"reading the media object '{stored.name}' failed: {error!r}",
                permanent=False,
            ) from error
        if data is None:
            raise MediaUnavailableError(
                f"the media object '{stored.name}' no longer exists: uploaded media "
                f"is kept for {self._retention_hours} h (WAGATE_MEDIA_RETENTION_HOURS)"
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest != stored.sha256.lower():
            raise MediaUnavailableError(
                f"the media object '{stored.name}' is damaged: its SHA-256 is "
                f"{digest}, expected {stored.sha256}"
            )
        return MediaBytes(
            data=data, mimetype=stored.mimetype, filename=stored.filename, sha256=digest
        )

    async def _fetched(
        self, media_type: str, source: UrlMedia, log_extra: dict[str, object]
    ) -> MediaBytes:
        url = source.url
        limit = RULES[media_type].max_bytes
        try:
            body = await self._fetcher.get(
                url, max_bytes=limit, timeout_seconds=self._fetch_timeout
            )
        except BodyTooLargeError as error:
            raise MediaUnavailableError(
                f"the media at {url} is too large for {media_type}: {error.reason}"
            ) from error
        except FetchError as error:
            raise MediaUnavailableError(
                f"fetching the media at {url} failed: {error.reason}"
            ) from error

        declared = body.content_type
        if declared is not None and base_mimetype(declared) in _GENERIC_MIMETYPES:
            declared = None
        try:
            mimetype = check_media(media_type, declared, body.data)
        except MediaRejectedError as error:
            raise MediaUnavailableError(
                f"the media at {url} cannot be sent: {error}"
            ) from error
        logger.info(
            "media fetched",
            extra={
                **log_extra,
                "url": url,
                "bytes": len(body.data),
                "mimetype": mimetype,
            },
        )
        return MediaBytes(
            data=body.data,
            mimetype=mimetype,
            filename=source.filename or _file_name(body.url, media_type),
            sha256=hashlib.sha256(body.data).hexdigest(),
        )


def _file_name(url: str, media_type: str) -> str | None:
    """Return the last path segment of a document's URL as its file name."""
    if media_type != "document":
        return None
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or None

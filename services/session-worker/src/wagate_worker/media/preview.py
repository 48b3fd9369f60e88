"""Link previews: the title and description of the first page a text links to."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

from wagate_worker.drivers.base import LinkPreview
from wagate_worker.media.fetch import FetchError, GuardedFetcher

logger = logging.getLogger(__name__)

# Only the page's <head> matters, which fits in far less than this.
PREVIEW_MAX_BYTES = 512 * 1024
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 1000

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Punctuation that ends a sentence around a URL rather than the URL itself.
_TRAILING = ".,;:!?)]}'\""


def first_url(text: str) -> str | None:
    """Return the first http(s) URL in ``text``, without trailing punctuation."""
    match = _URL.search(text)
    if match is None:
        return None
    return match.group(0).rstrip(_TRAILING)


class _HeadParser(HTMLParser):
    """Collects ``og:title``, ``og:description``, ``description`` and ``<title>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
            return
        if tag != "meta":
            return
        values = {name.lower(): value or "" for name, value in attrs}
        key = (values.get("property") or values.get("name") or "").lower()
        if key in ("og:title", "og:description", "description") and key not in self.meta:
            self.meta[key] = values.get("content", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)


def parse_preview(html: str) -> tuple[str | None, str | None]:
    """Return the title and description a page declares, each None if absent."""
    parser = _HeadParser()
    parser.feed(html)
    parser.close()
    title = _clean(parser.meta.get("og:title")) or _clean("".join(parser.title_parts))
    description = _clean(parser.meta.get("og:description")) or _clean(
        parser.meta.get("description")
    )
    return _cut(title, MAX_TITLE_CHARS), _cut(description, MAX_DESCRIPTION_CHARS)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    collapsed = " ".join(value.split())
    return collapsed or None


def _cut(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else value[:limit]


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


class LinkPreviewer:
    """Fetches the page of a text's first URL and reads its preview fields."""

    def __init__(self, fetcher: GuardedFetcher, timeout_seconds: float) -> None:
        self._fetcher = fetcher
        self._timeout = timeout_seconds

    async def preview(
        self, text: str, log_extra: dict[str, object]
    ) -> LinkPreview | None:
        """Return the preview of the first URL in ``text``, or None.

        None when the text has no URL, the page cannot be fetched, is not
        HTML or declares neither a title nor a description. Each case is
        logged, and the text is then sent without a preview.
        """
        url = first_url(text)
        if url is None:
            logger.info("no URL for a link preview", extra=log_extra)
            return None
        try:
            page = await self._fetcher.get(
                url,
                max_bytes=PREVIEW_MAX_BYTES,
                timeout_seconds=self._timeout,
                truncate=True,
            )
        except FetchError as error:
            logger.warning(
                "link preview failed; sending without it",
                extra={**log_extra, "url": url, "error": error.reason},
            )
            return None

        content_type = page.content_type or ""
        if "html" not in content_type.lower():
            logger.info(
                "link preview skipped: the page is not HTML",
                extra={**log_extra, "url": url, "content_type": content_type},
            )
            return None
        try:
            html = page.data.decode(_charset(content_type), errors="replace")
        except LookupError:
            html = page.data.decode("utf-8", errors="replace")
        title, description = parse_preview(html)
        if title is None and description is None:
            logger.info(
                "link preview skipped: the page has no title",
                extra={**log_extra, "url": url},
            )
            return None
        return LinkPreview(url=url, title=title, description=description)

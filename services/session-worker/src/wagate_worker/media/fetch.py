"""HTTP GET of a caller's URL under the same address rules as webhooks.

Each hop is resolved and every address checked before the request, which
then connects to the checked address itself, so a DNS answer that changes in
between is not used. Redirects are followed by hand, each target checked the
same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from wagate_common.netguard import (
    Resolver,
    UrlNotAllowedError,
    pin_address,
    resolve_allowed,
)

USER_AGENT = "wagate-worker"
MAX_REDIRECTS = 3


class FetchError(Exception):
    """A GET failed; ``reason`` is the cause, as a sentence fragment for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BodyTooLargeError(FetchError):
    """The response body is larger than the limit."""


@dataclass(frozen=True)
class FetchedBody:
    """A successful response: the final URL, its ``Content-Type`` and its body."""

    url: str
    content_type: str | None
    data: bytes


def create_http_client() -> httpx.AsyncClient:
    """Create the worker's client for media and preview pages.

    Redirects are not followed by httpx, because each target must be checked
    first. The callers limit the whole request with their own timeouts.
    """
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(None),
        # Compressed bodies would expand past the size limit in memory before
        # the limit is checked.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


class GuardedFetcher:
    """GETs URLs that pass the private-address rules, with size and time limits."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
    ) -> None:
        self._client = client
        self._allow_private = allow_private
        self._resolver = resolver

    async def get(
        self,
        url: str,
        *,
        max_bytes: int,
        timeout_seconds: float,
        truncate: bool = False,
    ) -> FetchedBody:
        """GET ``url`` and return its body.

        A body over ``max_bytes`` raises :class:`BodyTooLargeError`. With
        ``truncate`` set, its first ``max_bytes`` bytes are returned instead.
        ``timeout_seconds`` limits everything: resolving, connecting,
        redirects and reading the body.

        Raises:
            FetchError: a refused address, a non-2xx status, too many
                redirects, a timeout or a connection failure.
        """
        try:
            async with asyncio.timeout(timeout_seconds):
                return await self._follow(url, max_bytes, truncate)
        except UrlNotAllowedError as error:
            raise FetchError(str(error)) from error
        except (TimeoutError, httpx.TimeoutException) as error:
            raise FetchError(f"timed out after {timeout_seconds:g} s") from error
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
            # ValueError: urlsplit rejects a malformed URL (an unclosed IPv6 bracket).
            detail = str(error) or type(error).__name__
            raise FetchError(f"the request failed: {detail}") from error

    async def _follow(self, url: str, max_bytes: int, truncate: bool) -> FetchedBody:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            addresses = await resolve_allowed(
                current, self._allow_private, self._resolver
            )
            target = pin_address(current, addresses[0])
            request = self._client.stream(
                "GET", target.url, headers=target.headers, extensions=target.extensions
            )
            async with request as response:
                if response.has_redirect_location:
                    current = urljoin(current, response.headers["location"])
                    continue
                if not response.is_success:
                    raise FetchError(
                        f"the server responded with HTTP {response.status_code}"
                    )
                data = await _read_body(response, max_bytes, truncate)
                return FetchedBody(current, response.headers.get("content-type"), data)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")


async def _read_body(response: httpx.Response, max_bytes: int, truncate: bool) -> bytes:
    declared = response.headers.get("content-length")
    too_large = declared is not None and declared.isdigit() and int(declared) > max_bytes
    if too_large and not truncate:
        raise BodyTooLargeError(
            f"the body is {declared} bytes, over the limit of {max_bytes}"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            if not truncate:
                raise BodyTooLargeError(
                    f"the body is over the limit of {max_bytes} bytes"
                )
            chunks.append(chunk[: max_bytes - (size - len(chunk))])
            break
        chunks.append(chunk)
    return b"".join(chunks)

"""The HTTP request that delivers one event to one webhook."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import StrEnum

import httpx

from wagate_common.netguard import (
    PinnedRequest,
    Resolver,
    UrlNotAllowedError,
    pin_address,
    resolve_allowed,
)
from wagate_dispatcher.delivery.signing import signature_headers
from wagate_dispatcher.webhooks.model import Webhook

USER_AGENT = "wagate-dispatcher"
# A webhook's custom headers may not replace these: the signature headers, the
# body's type, and the framing headers the HTTP client computes itself.
RESERVED_HEADERS = frozenset(
    {"content-type", "content-length", "transfer-encoding", "host", "connection"}
)
RESERVED_HEADER_PREFIX = "webhook-"


class DeliveryOutcome(StrEnum):
    """Result category of one delivery attempt; also the metrics' ``outcome`` label."""

    SUCCESS = "success"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    ADDRESS_NOT_ALLOWED = "address_not_allowed"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of one delivery attempt.

    Attributes:
        outcome: Success, or which kind of failure.
        duration_seconds: Time from sending the request to the outcome.
        status_code: The receiver's HTTP status, when it responded.
        error: Exception class and message, when no response came.
        response_excerpt: The first bytes of the response body as sent (still
            compressed if the receiver compressed it), up to the cap.
    """

    outcome: DeliveryOutcome
    duration_seconds: float
    status_code: int | None = None
    error: str | None = None
    response_excerpt: bytes = b""

    @property
    def is_success(self) -> bool:
        """Whether the receiver responded with a 2xx status."""
        return self.outcome is DeliveryOutcome.SUCCESS

    @property
    def is_gone(self) -> bool:
        """Whether the receiver responded 410 Gone: it wants no more deliveries."""
        return self.status_code == 410

    def describe(self) -> str:
        """Summarize a failure in one line: the status, or the error."""
        if self.status_code is not None:
            return f"HTTP {self.status_code}"
        return self.error or self.outcome.value


def create_http_client(timeout_seconds: float, max_connections: int) -> httpx.AsyncClient:
    """Create the client for webhook requests; redirects count as failures."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds),
        limits=httpx.Limits(max_connections=max_connections),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def is_reserved_header(name: str) -> bool:
    """Check whether a custom header would replace one the dispatcher sets."""
    lowered = name.lower()
    return lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_HEADER_PREFIX)


def build_headers(
    webhook: Webhook, event_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Merge the webhook's custom headers with the content type and signature."""
    headers = {
        name: value
        for name, value in webhook.headers.items()
        if not is_reserved_header(name)
    }
    headers["Content-Type"] = "application/json"
    secret = webhook.secret.get_secret_value()
    headers.update(signature_headers(secret, event_id, body, timestamp))
    return headers


class WebhookSender:
    """Posts events to webhooks, with a total time limit and a response size cap.

    Before each request the URL's host is resolved and every address is
    checked against the private-address rules. The request then connects to
    the first checked address, so a DNS answer that changes in between is not used.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        timeout_seconds: float,
        max_response_bytes: int,
        max_concurrent: int,
        allow_private: bool = False,
        resolver: Resolver | None = None,
    ) -> None:
        self._client = client
        self._timeout_seconds = timeout_seconds
        self._max_response_bytes = max_response_bytes
        self._slots = asyncio.Semaphore(max_concurrent)
        self._allow_private = allow_private
        self._resolver = resolver

    async def send(self, webhook: Webhook, event_id: str, body: bytes) -> DeliveryResult:
        """POST ``body`` to the webhook and classify what happened.

        Waiting for one of the ``max_concurrent`` slots does not count against
        the timeout; resolving the host does. Transport failures and refused
        addresses are returned as outcomes, not raised.
        """
        async with self._slots:
            headers = build_headers(webhook, event_id, body)
            started = time.monotonic()
            try:
                # httpx limits each phase; this limits the whole request, so a
                # receiver that trickles its response cannot hold a slot longer.
                async with asyncio.timeout(self._timeout_seconds):
                    addresses = await resolve_allowed(
                        webhook.url, self._allow_private, self._resolver
                    )
                    target = pin_address(webhook.url, addresses[0])
                    status_code, excerpt = await self._post(target, headers, body)
            except UrlNotAllowedError as error:
                return _failure(DeliveryOutcome.ADDRESS_NOT_ALLOWED, started, error)
            except ValueError as error:
                # urlsplit rejects a malformed URL, such as an unclosed IPv6 bracket.
                return _failure(DeliveryOutcome.CONNECTION_ERROR, started, error)
            except (TimeoutError, httpx.TimeoutException) as error:
                return _failure(DeliveryOutcome.TIMEOUT, started, error)
            except (httpx.TransportError, httpx.InvalidURL) as error:
                return _failure(DeliveryOutcome.CONNECTION_ERROR, started, error)

        success = 200 <= status_code < 300
        return DeliveryResult(
            outcome=DeliveryOutcome.SUCCESS if success else DeliveryOutcome.HTTP_ERROR,
            duration_seconds=time.monotonic() - started,
            status_code=status_code,
            response_excerpt=excerpt,
        )

    async def _post(
        self, target: PinnedRequest, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        request = self._client.stream(
            "POST",
            target.url,
            content=body,
            headers={**headers, **target.headers},
            extensions=target.extensions,
        )
        async with request as response:
            excerpt = await read_capped(response, self._max_response_bytes)
        return response.status_code, excerpt


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """Read at most ``limit`` bytes of the body.

    The bytes are read as sent, still compressed, so that a compressed body
    cannot expand past the cap in memory.
    """
    chunks: list[bytes] = []
    size = 0
    if limit > 0:
        async for chunk in response.aiter_raw():
            piece = chunk[: limit - size]
            chunks.append(piece)
            size += len(piece)
            if size >= limit:
                break
    return b"".join(chunks)


def _failure(
    outcome: DeliveryOutcome, started: float, error: Exception
) -> DeliveryResult:
    detail = str(error)
    description = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return DeliveryResult(
        outcome=outcome,
        duration_seconds=time.monotonic() - started,
        error=description,
    )

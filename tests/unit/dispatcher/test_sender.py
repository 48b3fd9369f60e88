"""The HTTP delivery of one event, against httpx's mock transport."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Callable, Coroutine

import httpx
import pytest

from wagate_common.netguard import IpAddress
from wagate_dispatcher.delivery.sender import (
    DeliveryOutcome,
    WebhookSender,
    build_headers,
    create_http_client,
)
from wagate_dispatcher.delivery.signing import verify_signature
from wagate_dispatcher.webhooks.model import Webhook, parse_webhook

SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u"
BODY = b'{"id":"evt_1","type":"message.received","sessionId":"s1"}'

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def webhook(headers: dict[str, str] | None = None) -> Webhook:
    return parse_webhook(
        {
            "_id": "wh_1",
            "url": "http://receiver.test/hook",
            "events": ["*"],
            "secret": SECRET,
            "headers": headers or {},
        }
    )


def sender_for(
    handler: Handler, *, timeout: float = 5.0, max_response_bytes: int = 1024
) -> WebhookSender:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return WebhookSender(
        client,
        timeout_seconds=timeout,
        max_response_bytes=max_response_bytes,
        max_concurrent=4,
        resolver=resolve_public,
    )


async def resolve_public(host: str, port: int) -> list[IpAddress]:
    return [ipaddress.ip_address("93.184.215.14")]


class ChunkStream(httpx.AsyncByteStream):
    """A response body that arrives in chunks, as from a real connection."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def respond(
    status: int, chunks: list[bytes] | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    # A Response built from bytes counts as already read, which a real
    # connection's response never is; a stream keeps the mock faithful.
    return httpx.Response(status, headers=headers, stream=ChunkStream(chunks or []))


def answer(status: int, chunks: list[bytes] | None = None) -> Handler:
    async def handler(_: httpx.Request) -> httpx.Response:
        return respond(status, chunks)

    return handler


async def test_delivery_posts_body_with_signature() -> None:
    received: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return respond(204)

    result = await sender_for(handler).send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.SUCCESS
    assert result.status_code == 204
    request = received[0]
    assert request.method == "POST"
    assert request.content == BODY
    assert request.headers["content-type"] == "application/json"
    verify_signature(SECRET, request.headers, request.content)


def test_custom_headers_cannot_replace_reserved_ones() -> None:
    custom = {
        "X-Tenant": "acme",
        "Webhook-Id": "forged",
        "webhook-signature": "v1,forged",
        "Content-Type": "text/plain",
        "content-length": "1",
        "Host": "elsewhere.test",
    }

    headers = httpx.Headers(build_headers(webhook(custom), "evt_1", BODY))

    assert headers["x-tenant"] == "acme"
    assert headers.get_list("webhook-id") == ["evt_1"]
    assert headers.get_list("content-type") == ["application/json"]
    assert "content-length" not in headers
    assert "host" not in headers
    verify_signature(SECRET, headers, BODY)


@pytest.mark.parametrize("status", [199, 302, 400, 410, 500, 503])
async def test_non_2xx_status_is_http_error(status: int) -> None:
    result = await sender_for(answer(status)).send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.HTTP_ERROR
    assert result.status_code == status


async def test_redirect_not_followed() -> None:
    paths: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return respond(302, headers={"Location": "/elsewhere"})

    result = await sender_for(handler).send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.HTTP_ERROR
    assert paths == ["/hook"]


async def test_response_read_up_to_cap() -> None:
    chunks = [b"x" * 300] * 10
    sender = sender_for(answer(200, chunks), max_response_bytes=1000)

    result = await sender.send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.SUCCESS
    assert result.response_excerpt == b"x" * 1000


async def test_connect_failure_is_connection_error() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = await sender_for(handler).send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.CONNECTION_ERROR
    assert result.status_code is None
    assert result.error == "ConnectError: connection refused"


async def test_read_timeout_is_timeout() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    result = await sender_for(handler).send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.TIMEOUT


async def test_total_time_limit_applies() -> None:
    async def handler(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return respond(200)

    result = await sender_for(handler, timeout=0.1).send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.TIMEOUT
    assert result.duration_seconds < 5


async def test_request_pinned_to_checked_address() -> None:
    received: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return respond(204)

    result = await sender_for(handler).send(webhook(), "evt_1", BODY)

    assert result.is_success
    assert received[0].url.host == "93.184.215.14"
    assert received[0].headers["host"] == "receiver.test"


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "169.254.169.254", "127.0.0.1", "fd00:ec2::254"]
)
async def test_private_address_refused_without_connecting(address: str) -> None:
    received: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return respond(204)

    async def resolve_private(host: str, port: int) -> list[IpAddress]:
        return [ipaddress.ip_address(address)]

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    sender = WebhookSender(
        client,
        timeout_seconds=1.0,
        max_response_bytes=0,
        max_concurrent=1,
        resolver=resolve_private,
    )

    result = await sender.send(webhook(), "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.ADDRESS_NOT_ALLOWED
    assert received == []


async def test_unsupported_scheme_refused() -> None:
    client = create_http_client(timeout_seconds=1.0, max_connections=1)
    sender = WebhookSender(
        client, timeout_seconds=1.0, max_response_bytes=0, max_concurrent=1
    )
    subscription = webhook().model_copy(update={"url": "ftp://receiver.test/hook"})

    async with client:
        result = await sender.send(subscription, "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.ADDRESS_NOT_ALLOWED


@pytest.mark.parametrize("url", ["http://[::1/hook"])
async def test_unusable_url_is_connection_error(url: str) -> None:
    # The real transport rejects these before opening any connection.
    client = create_http_client(timeout_seconds=1.0, max_connections=1)
    sender = WebhookSender(
        client, timeout_seconds=1.0, max_response_bytes=0, max_concurrent=1
    )
    subscription = webhook().model_copy(update={"url": url})

    async with client:
        result = await sender.send(subscription, "evt_1", BODY)

    assert result.outcome is DeliveryOutcome.CONNECTION_ERROR
    assert result.error is not None

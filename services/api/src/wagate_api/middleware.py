"""Request ids, access metrics and the body size limit, as plain ASGI middleware."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import uuid

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wagate_common.envelope import failure
from wagate_common.errors import ErrorCode

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "wagate_http_requests_total",
    "HTTP requests answered by the api, by route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "wagate_http_request_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
)

# A client's id is echoed only when it is short and printable.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Sets ``X-Request-Id``, binds it to the log context and records metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _request_id(scope)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status_holder = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = _route_template(scope)
            method = scope["method"]
            REQUESTS.labels(method, route, str(status_holder[0])).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("request_id")


class BodyLimitMiddleware:
    """Rejects request bodies over ``max_bytes`` with 413 before they are read whole.

    ``path_limits`` gives single paths (matched exactly) a limit of their own,
    such as the media route that takes base64 media in its JSON body.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            await _send_too_large(send, max_bytes)
            return

        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    too_large = True
                    raise _BodyTooLargeError
            return message

        async def send_unless_too_large(message: Message) -> None:
            # FastAPI turns any error while reading the body into its own 400, so
            # that response is dropped and replaced by the 413 below.
            if not too_large:
                await send(message)

        with contextlib.suppress(_BodyTooLargeError):
            await self.app(scope, limited_receive, send_unless_too_large)
        if too_large:
            await _send_too_large(send, max_bytes)


class _BodyTooLargeError(Exception):
    pass


async def _send_too_large(send: Send, max_bytes: int) -> None:
    await _send_error(
        send,
        413,
        ErrorCode.PAYLOAD_TOO_LARGE,
        f"the request body is larger than {max_bytes} bytes",
    )


async def _send_error(send: Send, status: int, code: ErrorCode, message: str) -> None:
    body = json.dumps(
        failure(code, message), ensure_ascii=False, separators=(",", ":")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _CLIENT_REQUEST_ID.match(candidate):
                return candidate
    return f"req_{uuid.uuid4().hex}"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths share one label, so that scanners cannot grow the metric.
    return str(path) if path else "unmatched"

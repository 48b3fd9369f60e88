"""``Idempotency-Key`` on POST requests: one execution, the same response after.

A first request with a key inserts a pending record (unique per API key and
idempotency key), runs, and stores its status and body. A repeat with the
same body replays them, and a repeat with another body gets 409. A repeat
that arrives while the first still runs waits for it, up to ``wait_seconds``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wagate_common.envelope import failure
from wagate_common.errors import ErrorCode
from wagate_common.storage.database import Document
from wagate_common.storage.idempotency import COMPLETED, IdempotencyRepository

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
_POLL_SECONDS = 0.05
# Statuses that mean the request did not run, so the key stays free for a retry.
_NOT_STORED = {401, 403, 429}


class IdempotencyMiddleware:
    """Applies ``Idempotency-Key`` to every ``POST /v1/...`` request."""

    def __init__(self, app: ASGIApp, wait_seconds: float) -> None:
        self.app = app
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        idempotency_key = headers.get(b"idempotency-key")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/v1/")
            or idempotency_key is None
        ):
            await self.app(scope, receive, send)
            return
        if not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
            await _send_json(
                send,
                400,
                failure(
                    ErrorCode.VALIDATION_ERROR,
                    f"the Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} "
                    f"characters long",
                ),
            )
            return

        body = await _read_body(receive)
        record_id = _record_id(headers.get(b"x-api-key", b""), idempotency_key)
        fingerprint = _fingerprint(scope, body)
        repository: IdempotencyRepository = scope["app"].state.context.idempotency
        # NOTE: a pending record twice as old as the longest wait for it is taken
        # as left by a dead process and run again, even if that process had sent.
        stale_after = timedelta(seconds=2 * self.wait_seconds)
        existing = await repository.claim(record_id, fingerprint, stale_after)
        if existing is None:
            await self._run_first(scope, (body, receive), send, repository, record_id)
            return
        await self._answer_repeat(send, repository, existing, fingerprint)

    async def _run_first(
        self,
        scope: Scope,
        request: tuple[bytes, Receive],
        send: Send,
        repository: IdempotencyRepository,
        record_id: str,
    ) -> None:
        captured = _CapturedResponse(send)
        try:
            await self.app(scope, _replay_body(*request), captured.send)
        except BaseException:
            await repository.release(record_id)
            raise
        if captured.status >= 500 or captured.status in _NOT_STORED:
            await repository.release(record_id)
            return
        await repository.complete(
            record_id, captured.status, captured.content_type, bytes(captured.body)
        )

    async def _answer_repeat(
        self,
        send: Send,
        repository: IdempotencyRepository,
        record: Document,
        fingerprint: str,
    ) -> None:
        if record["fingerprint"] != fingerprint:
            await _send_conflict(
                send, "this Idempotency-Key was used with a different request"
            )
            return
        completed = await self._wait_for_completion(repository, record)
        if completed is None:
            await _send_conflict(
                send,
                "the first request with this Idempotency-Key failed before it "
                "completed; retry it",
            )
            return
        if completed["state"] != COMPLETED:
            await _send_conflict(
                send,
                "a request with this Idempotency-Key is still running; retry later",
            )
            return
        await _send_raw(
            send,
            completed["status"],
            completed["contentType"],
            bytes(completed["body"]),
            replayed=True,
        )

    async def _wait_for_completion(
        self, repository: IdempotencyRepository, record: Document
    ) -> Document | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        current: Document | None = record
        while current is not None and current["state"] != COMPLETED:
            if loop.time() >= deadline:
                break
            await asyncio.sleep(_POLL_SECONDS)
            current = await repository.get(record["_id"])
        # None when the first request failed and released the key.
        return current


class _CapturedResponse:
    """Passes a response through while keeping a copy of its status and body."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.content_type = "application/json"
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))
        await self._send(message)


async def _read_body(receive: Receive) -> bytes:
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.extend(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return bytes(chunks)


def _replay_body(body: bytes, receive: Receive) -> Receive:
    """Pass the body, already read, to the app. Later calls go to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _record_id(api_key: bytes, idempotency_key: bytes) -> str:
    # Scoped per API key, and stored as a hash so that no key reaches the database.
    owner = hashlib.sha256(api_key).hexdigest()
    return hashlib.sha256(owner.encode() + b":" + idempotency_key).hexdigest()


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(scope["path"].encode())
    digest.update(b"?" + scope.get("query_string", b""))
    digest.update(b"\n" + body)
    return digest.hexdigest()


async def _send_conflict(send: Send, message: str) -> None:
    await _send_json(send, 409, failure(ErrorCode.IDEMPOTENCY_CONFLICT, message))


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    # Compact like FastAPI's own JSON responses, so every response has one style.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    await _send_raw(send, status, "application/json", body)


async def _send_raw(
    send: Send, status: int, content_type: str, body: bytes, replayed: bool = False
) -> None:
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""URL media and link previews: fetched under the address, size and type rules."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.http_server import LoopbackServer, Route
from tests.integration.worker.scripted import ScriptedNetwork, SentMessage
from tests.integration.worker.support import (
    create_session,
    queue_message,
    wait_for_events,
    wait_for_message_status,
    wait_for_status,
)
from wagate_common.broker.failed import FailedQueue, FailedQueueName
from wagate_common.infrastructure import Infrastructure
from wagate_common.mediatypes import MIB
from wagate_common.schemas.commands import (
    MediaContent,
    MediaType,
    SendCommand,
    TextContent,
    UrlMedia,
)
from wagate_common.schemas.events import EventType
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.storage.auth import AuthStore

PHONE = "15550100001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
PAGE = b"""<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="Caf&eacute; news">
<meta property="og:description" content="What   happened today">
</head><body>ignored</body></html>"""

# Private addresses allowed, so that the worker may fetch from the test's server.
ALLOW_LOOPBACK: dict[str, Any] = {"webhook_allow_private": True}


async def connected_worker(
    infra: Infrastructure, start_worker: WorkerFactory, **overrides: Any
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)
    await start_worker(**overrides)
    await wait_for_status(infra, "s1", "connected")


async def send_url_media(
    infra: Infrastructure, url: str, media_type: MediaType = "image"
) -> SendCommand:
    content = MediaContent(media_type=media_type, media=UrlMedia(url=url))
    return await queue_message(infra, "s1", content)


async def failure_of(
    infra: Infrastructure, network: ScriptedNetwork, command: SendCommand
) -> str:
    """Wait for the send to fail; check the event and that nothing was sent."""
    record = await wait_for_message_status(infra, command.message_id, "failed")
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_FAILED)
    assert event.data["error"] == record["error"]
    assert event.data["type"] == command.content.message_type
    assert network.sent == []
    error: str = record["error"]
    return error


async def sent_message(
    infra: Infrastructure, network: ScriptedNetwork, command: SendCommand
) -> SentMessage:
    await wait_for_message_status(infra, command.message_id, "sent")
    [sent] = network.sent
    return sent


# URL media.


async def test_url_image_fetched_and_sent(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/cat.png"] = Route(body=PNG, content_type="image/png")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/cat.png"))
    sent = await sent_message(infra, network, command)
    media = sent.message.media

    assert media is not None
    assert media.data == PNG
    assert media.mimetype == "image/png"
    assert media.sha256 == hashlib.sha256(PNG).hexdigest()
    assert media.filename is None


async def test_url_type_taken_from_bytes(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/cat"] = Route(body=PNG, content_type="application/octet-stream")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/cat"))
    sent = await sent_message(infra, network, command)

    assert sent.message.media is not None
    assert sent.message.media.mimetype == "image/png"


async def test_url_document_named_after_path(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/files/report%202026.pdf"] = Route(
        body=PDF, content_type="application/pdf"
    )
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    url = http_server.url("/files/report%202026.pdf")
    command = await send_url_media(infra, url, media_type="document")
    sent = await sent_message(infra, network, command)

    assert sent.message.media is not None
    assert sent.message.media.filename == "report 2026.pdf"
    assert sent.message.media.mimetype == "application/pdf"


async def test_url_redirect_followed(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/old"] = Route(status=302, headers={"Location": "/new.png"})
    http_server.routes["/new.png"] = Route(body=PNG, content_type="image/png")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/old"))
    sent = await sent_message(infra, network, command)

    assert sent.message.media is not None
    assert sent.message.media.data == PNG
    assert http_server.requests == ["/old", "/new.png"]


async def test_url_too_many_redirects_fails(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    for hop in range(5):
        http_server.routes[f"/{hop}"] = Route(
            status=301, headers={"Location": f"/{hop + 1}"}
        )
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/0"))
    error = await failure_of(infra, network, command)

    assert "more than 3 redirects" in error
    assert http_server.requests == ["/0", "/1", "/2", "/3"]


async def test_url_404_fails_for_good(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/missing.png"))
    error = await failure_of(infra, network, command)
    job = await FailedQueue(infra.js).get(FailedQueueName.MESSAGES, command.message_id)

    assert "HTTP 404" in error
    assert http_server.url("/missing.png") in error
    assert job is not None
    assert job.last_error == error
    # Failed for good on the first try: no retry requested the path again.
    assert http_server.requests == ["/missing.png"]


async def test_url_declared_too_large_fails(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/big.png"] = Route(
        body=PNG, content_type="image/png", headers={"Content-Length": str(17 * MIB)}
    )
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/big.png"))
    error = await failure_of(infra, network, command)

    assert "too large for image" in error


async def test_url_streamed_too_large_fails(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    body = PNG + b"\x00" * (16 * MIB)
    http_server.routes["/big.png"] = Route(
        body=body, content_type="image/png", declare_length=False
    )
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/big.png"))
    error = await failure_of(infra, network, command)

    assert "too large for image" in error
    assert f"limit of {16 * MIB} bytes" in error


async def test_url_wrong_content_type_fails(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/page"] = Route(body=PAGE, content_type="text/html")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/page"))
    error = await failure_of(infra, network, command)

    assert "text/html cannot be sent as image" in error


async def test_url_bytes_of_wrong_type_fail(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/fake.png"] = Route(body=PDF, content_type="image/png")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/fake.png"))
    error = await failure_of(infra, network, command)

    assert "the bytes are application/pdf" in error


async def test_url_unrecognized_bytes_fail(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/fake.png"] = Route(body=b"hello text", content_type="image/png")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/fake.png"))
    error = await failure_of(infra, network, command)

    assert http_server.url("/fake.png") in error
    assert "the bytes are not in a recognized image format" in error
    assert "image/jpeg, image/png or image/webp" in error


async def test_url_untyped_unrecognized_bytes_fail(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    # A server that names no specific type leaves the decision to the bytes.
    http_server.routes["/voice"] = Route(body=b"hello text", content_type=None)
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/voice"), media_type="audio")
    error = await failure_of(infra, network, command)

    assert "the bytes are not in a recognized audio format" in error


async def test_url_private_address_refused(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/cat.png"] = Route(body=PNG, content_type="image/png")
    await connected_worker(infra, start_worker, webhook_allow_private=False)

    command = await send_url_media(infra, http_server.url("/cat.png"))
    error = await failure_of(infra, network, command)

    assert "private, loopback or link-local" in error
    assert http_server.requests == []


async def test_url_metadata_address_refused(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    url = "http://169.254.169.254/latest/meta-data"
    command = await send_url_media(infra, url)
    error = await failure_of(infra, network, command)

    assert "cloud metadata address" in error


async def test_url_redirect_to_private_refused(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    # Loopback is allowed here, but each redirect target is checked again, and
    # metadata addresses are refused even when private ones are allowed.
    http_server.routes["/old"] = Route(
        status=302, headers={"Location": "http://169.254.169.254/creds"}
    )
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    command = await send_url_media(infra, http_server.url("/old"))
    error = await failure_of(infra, network, command)

    assert "cloud metadata address" in error
    assert http_server.requests == ["/old"]


async def test_url_timeout_fails(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/slow.png"] = Route(stall=True)
    await connected_worker(
        infra, start_worker, media_fetch_timeout_seconds=0.3, **ALLOW_LOOPBACK
    )

    command = await send_url_media(infra, http_server.url("/slow.png"))
    error = await failure_of(infra, network, command)

    assert "timed out after 0.3 s" in error


# Link previews.


async def test_link_preview_attached(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/news"] = Route(
        body=PAGE, content_type="text/html; charset=utf-8"
    )
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    url = http_server.url("/news")
    content = TextContent(text=f"read this: {url}.", link_preview=True)
    command = await queue_message(infra, "s1", content)
    sent = await sent_message(infra, network, command)
    preview = sent.message.preview

    assert preview is not None
    assert preview.url == url
    assert preview.title == "Café news"
    assert preview.description == "What happened today"


async def test_link_preview_title_fallback(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    page = b"<html><head><title> Plain  page </title></head></html>"
    http_server.routes["/plain"] = Route(body=page, content_type="text/html")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    content = TextContent(text=http_server.url("/plain"), link_preview=True)
    command = await queue_message(infra, "s1", content)
    sent = await sent_message(infra, network, command)

    assert sent.message.preview is not None
    assert sent.message.preview.title == "Plain page"
    assert sent.message.preview.description is None


async def test_link_preview_failure_sends_without(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    content = TextContent(text=f"see {http_server.url('/gone')}", link_preview=True)
    command = await queue_message(infra, "s1", content)
    sent = await sent_message(infra, network, command)

    assert sent.message.preview is None
    assert sent.text == content.text
    assert http_server.requests == ["/gone"]


async def test_link_preview_private_address_skipped(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/news"] = Route(body=PAGE, content_type="text/html")
    await connected_worker(infra, start_worker, webhook_allow_private=False)

    content = TextContent(text=http_server.url("/news"), link_preview=True)
    command = await queue_message(infra, "s1", content)
    sent = await sent_message(infra, network, command)

    assert sent.message.preview is None
    assert http_server.requests == []


async def test_link_preview_not_requested(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    http_server: LoopbackServer,
) -> None:
    http_server.routes["/news"] = Route(body=PAGE, content_type="text/html")
    await connected_worker(infra, start_worker, **ALLOW_LOOPBACK)

    content = TextContent(text=http_server.url("/news"))
    command = await queue_message(infra, "s1", content)
    sent = await sent_message(infra, network, command)

    assert sent.message.preview is None
    assert http_server.requests == []

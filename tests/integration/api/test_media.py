"""POST /v1/messages/media: base64 and URL media, limits, and rejected bodies."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records, queued_commands
from tests.integration.api.message_support import last_command, record_of, stored_objects
from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure

MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"\x00" * 200
OGG = b"OggS\x00\x02" + b"\x00" * 200


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def media_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sessionId": "bot",
        "to": "15550100002",
        "type": "image",
        "media": {"base64": b64(PNG), "mimetype": "image/png"},
    }
    body.update(overrides)
    return body


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    return "bot"


async def assert_nothing_stored(infra: Infrastructure) -> None:
    assert await message_records(infra) == 0
    assert await queued_commands(infra) == 0
    assert await stored_objects(infra) == 0


async def test_base64_image_stored_before_queueing(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(caption="look", mentions=["15550100003"], replyTo="WA-1"),
    )

    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert data["type"] == "image"
    command = await last_command(infra, session)
    content = command["content"]
    assert content["kind"] == "media"
    assert content["mediaType"] == "image"
    assert content["caption"] == "look"
    assert content["replyTo"] == "WA-1"
    assert content["mentions"] == ["15550100003@s.whatsapp.net"]
    assert content["media"] == {
        "source": "object",
        "name": f"out/{data['id']}",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "mimetype": "image/png",
        "filename": None,
    }
    bucket = await infra.js.object_store(subjects.MEDIA_BUCKET)
    stored = await bucket.get(f"out/{data['id']}")
    assert stored.data == PNG
    record = await record_of(infra, data["id"])
    assert record["content"] == content


async def test_command_never_carries_bytes(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    image = PNG + b"\x01" * (512 * 1024)

    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": b64(image), "mimetype": "image/png"}),
    )

    assert response.status_code == 202, response.text
    stored = await infra.js.get_last_msg(subjects.COMMANDS_STREAM, "wagate.cmd.>")
    assert len(stored.data or b"") < 4096


async def test_sniffed_type_replaces_declared(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": b64(PNG), "mimetype": "image/jpeg"}),
    )

    assert response.status_code == 202, response.text
    command = await last_command(infra, session)
    assert command["content"]["media"]["mimetype"] == "image/png"


async def test_document_keeps_filename_and_type(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(
            type="document",
            media={
                "base64": b64(b"a,b\n1,2\n"),
                "mimetype": "text/csv",
                "filename": "report.csv",
            },
        ),
    )

    assert response.status_code == 202, response.text
    assert response.json()["data"]["type"] == "document"
    media = (await last_command(infra, session))["content"]["media"]
    assert media["mimetype"] == "text/csv"
    assert media["filename"] == "report.csv"


async def test_voice_note_sets_ptt(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(
            type="audio",
            ptt=True,
            media={"base64": b64(OGG), "mimetype": "audio/ogg; codecs=opus"},
        ),
    )

    assert response.status_code == 202, response.text
    content = (await last_command(infra, session))["content"]
    assert content["ptt"] is True
    assert content["mediaType"] == "audio"


async def test_url_media_queued_for_worker(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    url = "https://media.example.org/cat.jpg?size=large"

    response = await client.post(
        "/v1/messages/media",
        json=media_body(type="video", media={"url": url, "filename": "cat.mp4"}),
    )

    assert response.status_code == 202, response.text
    content = (await last_command(infra, session))["content"]
    assert content["media"] == {"source": "url", "url": url, "filename": "cat.mp4"}
    assert content["mediaType"] == "video"
    assert await stored_objects(infra) == 0


async def test_body_over_global_limit_accepted(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    image = PNG + b"\x00" * (2 * MIB)

    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": b64(image), "mimetype": "image/png"}),
    )

    assert response.status_code == 202, response.text
    assert (await last_command(infra, session))["content"]["media"]["size"] == len(image)


async def test_other_routes_keep_global_limit(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        json={"sessionId": session, "to": "15550100002", "text": "x" * (2 * MIB)},
    )

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    await assert_nothing_stored(infra)


async def test_image_over_16_mib_too_large(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    image = PNG + b"\x00" * (17 * MIB)

    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": b64(image), "mimetype": "image/png"}),
    )

    body = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert "16 MiB" in body["error"]["message"]
    await assert_nothing_stored(infra)


async def test_oversized_invalid_base64_rejected_by_size(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    # The size check comes before decoding, so this is 413 and not 400.
    junk = "!" * (23 * MIB)

    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": junk, "mimetype": "image/png"}),
    )

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    await assert_nothing_stored(infra)


async def test_media_body_over_media_limit(
    infra: Infrastructure, api_settings: ApiSettings
) -> None:
    small = ApiSettings(
        **api_settings.model_dump(exclude={"max_media_body_bytes"}),
        max_media_body_bytes=64 * 1024,
    )
    app = create_app(small, infra)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"X-API-Key": small.admin_api_key or ""}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api.test", headers=headers
        ) as http:
            await http.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
            image = PNG + b"\x00" * (100 * 1024)

            response = await http.post(
                "/v1/messages/media",
                json=media_body(media={"base64": b64(image), "mimetype": "image/png"}),
            )

    body = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert str(64 * 1024) in body["error"]["message"]
    await assert_nothing_stored(infra)


async def test_text_plain_image_unsupported(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": b64(b"hello"), "mimetype": "text/plain"}),
    )

    body = assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "image/png" in body["error"]["message"]
    await assert_nothing_stored(infra)


@pytest.mark.parametrize(
    ("media_type", "mimetype"),
    [
        ("image", "image/png"),
        ("sticker", "image/webp"),
        ("video", "video/mp4"),
        ("audio", "audio/ogg"),
    ],
)
async def test_unrecognized_bytes_unsupported(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    media_type: str,
    mimetype: str,
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(
            type=media_type,
            media={"base64": b64(b"hello text"), "mimetype": mimetype},
        ),
    )

    body = assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    message = body["error"]["message"]
    assert f"not in a recognized {media_type} format" in message
    assert mimetype in message
    await assert_nothing_stored(infra)


async def test_pdf_declared_as_image_unsupported(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": b64(PDF), "mimetype": "image/png"}),
    )

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    await assert_nothing_stored(infra)


@pytest.mark.parametrize(
    "encoded",
    [
        "not base64 at all!",
        "iVBORw0KGgo=AAAA",
        "iVBORw0KGgo\nAAAA",
        "iVBORw0KGgoAA",
        "====",
    ],
)
async def test_bad_base64_names_field(
    client: httpx.AsyncClient, infra: Infrastructure, session: str, encoded: str
) -> None:
    response = await client.post(
        "/v1/messages/media",
        json=media_body(media={"base64": encoded, "mimetype": "image/png"}),
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "media.base64" in body["error"]["message"]
    assert body["error"]["details"]["fields"][0]["field"] == "media.base64"
    await assert_nothing_stored(infra)


BAD_BODIES: list[tuple[dict[str, Any], int, str, str]] = [
    (media_body(type="gif"), 400, "VALIDATION_ERROR", "type"),
    (media_body(media={}), 400, "VALIDATION_ERROR", "media"),
    (
        media_body(media={"url": "https://a.example/x.png", "base64": b64(PNG)}),
        400,
        "VALIDATION_ERROR",
        "media",
    ),
    (media_body(media={"base64": b64(PNG)}), 400, "VALIDATION_ERROR", "mimetype"),
    (
        media_body(media={"base64": b64(PNG), "mimetype": "png"}),
        400,
        "VALIDATION_ERROR",
        "media.mimetype",
    ),
    (media_body(media={"url": "ftp://a.example/x.png"}), 400, "VALIDATION_ERROR", "url"),
    (media_body(media={"url": "file:///etc/passwd"}), 400, "VALIDATION_ERROR", "url"),
    (media_body(media={"url": "https://"}), 400, "VALIDATION_ERROR", "url"),
    (
        media_body(media={"url": "https://a.example:99999/x"}),
        400,
        "VALIDATION_ERROR",
        "url",
    ),
    (media_body(media={"url": "https://a.example/a b"}), 400, "VALIDATION_ERROR", "url"),
    (
        media_body(media={"url": "https://a.example/" + "x" * 2048}),
        400,
        "VALIDATION_ERROR",
        "url",
    ),
    (
        media_body(
            media={"base64": b64(PNG), "mimetype": "image/png", "filename": "../x.png"}
        ),
        400,
        "VALIDATION_ERROR",
        "filename",
    ),
    (media_body(ptt=True), 400, "VALIDATION_ERROR", "ptt"),
    (
        media_body(
            type="sticker",
            caption="hi",
            media={"base64": b64(PNG), "mimetype": "image/webp"},
        ),
        400,
        "VALIDATION_ERROR",
        "caption",
    ),
    (
        media_body(
            type="audio",
            caption="hi",
            media={"base64": b64(OGG), "mimetype": "audio/ogg"},
        ),
        400,
        "VALIDATION_ERROR",
        "caption",
    ),
    (media_body(caption=""), 400, "VALIDATION_ERROR", "caption"),
    (media_body(to="nobody"), 422, "INVALID_RECIPIENT", "nobody"),
    (media_body(mentions=["nobody"]), 422, "INVALID_RECIPIENT", "nobody"),
    (media_body(sessionId="ghost"), 404, "SESSION_NOT_FOUND", "ghost"),
]


@pytest.mark.parametrize(("body", "status", "code", "named"), BAD_BODIES)
async def test_bad_media_body_changes_nothing(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    body: dict[str, Any],
    status: int,
    code: str,
    named: str,
) -> None:
    response = await client.post("/v1/messages/media", json=body)

    error = assert_error(response, status, code)
    assert named in error["error"]["message"]
    await assert_nothing_stored(infra)


async def test_wait_on_offline_session_stores_nothing(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/media", params={"wait": "true"}, json=media_body()
    )

    assert_error(response, 409, "SESSION_NOT_CONNECTED")
    await assert_nothing_stored(infra)

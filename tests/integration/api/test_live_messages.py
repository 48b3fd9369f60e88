"""Read receipts, presence and media downloads: live requests to a stand-in worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error
from tests.integration.api.keys import create_key
from tests.integration.api.message_support import (
    StandInWorker,
    error_reply,
    ok_reply,
    seed_received,
)
from wagate_api.settings import ApiSettings
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.replies import Reply
from wagate_common.settings import WagateSettings

PEER = "15550100002@s.whatsapp.net"
GROUP = "120363000000000001@g.us"
ALICE = "15550100003@s.whatsapp.net"
BOB = "15550100004@s.whatsapp.net"
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2000


@pytest.fixture
def api_settings(settings: WagateSettings) -> ApiSettings:
    return ApiSettings(
        **settings.model_dump(),
        request_timeout_seconds=1.0,
        live_request_timeout_seconds=0.5,
    )


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    await client.post("/v1/sessions", json={"id": "other", "driver": "sandbox"})
    return "bot"


@pytest.fixture
async def workers(infra: Infrastructure) -> AsyncIterator[list[StandInWorker]]:
    started: list[StandInWorker] = []
    yield started
    for worker in started:
        await worker.stop()


async def stand_in(
    infra: Infrastructure,
    workers: list[StandInWorker],
    operation: str,
    handler: Any,
    session_id: str = "bot",
) -> StandInWorker:
    worker = await StandInWorker(infra, session_id, operation).start(handler)
    workers.append(worker)
    return worker


async def test_read_direct_chat(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    worker = await stand_in(infra, workers, "chat.read", ok_reply())

    response = await client.post(
        "/v1/messages/read",
        json={
            "sessionId": session,
            "chat": "+1 555 010 0002",
            "messageIds": ["A", "B", "A"],
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "sessionId": session,
        "chat": PEER,
        "messageIds": ["A", "B"],
    }
    assert worker.requests == [{"chat": PEER, "waMessageIds": ["A", "B"], "sender": None}]


async def test_read_group_one_request_per_sender(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(infra, session, "G1", chat=GROUP, sender=ALICE)
    await seed_received(infra, session, "G2", chat=GROUP, sender=BOB)
    await seed_received(infra, session, "G3", chat=GROUP, sender=ALICE)
    worker = await stand_in(infra, workers, "chat.read", ok_reply())

    response = await client.post(
        "/v1/messages/read",
        json={"sessionId": session, "chat": GROUP, "messageIds": ["G1", "G2", "G3"]},
    )

    assert response.status_code == 200, response.text
    assert worker.requests == [
        {"chat": GROUP, "waMessageIds": ["G1", "G3"], "sender": ALICE},
        {"chat": GROUP, "waMessageIds": ["G2"], "sender": BOB},
    ]


async def test_read_group_unknown_message_not_found(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(infra, session, "G1", chat=GROUP, sender=ALICE)
    await seed_received(infra, session, "D1", chat=PEER, sender=PEER)
    await seed_received(infra, "other", "G9", chat=GROUP, sender=BOB)
    worker = await stand_in(infra, workers, "chat.read", ok_reply())

    for missing in ("G404", "D1", "G9"):
        response = await client.post(
            "/v1/messages/read",
            json={"sessionId": session, "chat": GROUP, "messageIds": ["G1", missing]},
        )

        body = assert_error(response, 404, "NOT_FOUND")
        assert missing in body["error"]["message"]
    assert worker.requests == []


async def test_worker_conflict_passes_through(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    handler = error_reply(409, "SESSION_NOT_CONNECTED", "session 'bot' is not connected")
    await stand_in(infra, workers, "chat.read", handler)
    await stand_in(infra, workers, "chat.presence", handler)

    read = await client.post(
        "/v1/messages/read",
        json={"sessionId": session, "chat": PEER, "messageIds": ["A"]},
    )
    presence = await client.post(
        f"/v1/sessions/{session}/presence", json={"chat": PEER, "state": "typing"}
    )

    assert_error(read, 409, "SESSION_NOT_CONNECTED")
    body = assert_error(presence, 409, "SESSION_NOT_CONNECTED")
    assert body["error"]["message"] == "session 'bot' is not connected"


async def test_no_worker_times_out(client: httpx.AsyncClient, session: str) -> None:
    read = await client.post(
        "/v1/messages/read",
        json={"sessionId": session, "chat": PEER, "messageIds": ["A"]},
    )
    presence = await client.post(
        f"/v1/sessions/{session}/presence", json={"chat": PEER, "state": "paused"}
    )
    download = await client.get("/v1/messages/WA-NONE/media")

    assert_error(read, 504, "WORKER_TIMEOUT")
    assert_error(presence, 504, "WORKER_TIMEOUT")
    assert_error(download, 404, "NOT_FOUND")


async def test_silent_worker_times_out(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    async def never(_: dict[str, Any]) -> Reply | None:
        return None

    worker = await stand_in(infra, workers, "chat.presence", never)

    response = await client.post(
        f"/v1/sessions/{session}/presence", json={"chat": PEER, "state": "recording"}
    )

    assert_error(response, 504, "WORKER_TIMEOUT")
    assert worker.requests == [{"chat": PEER, "state": "recording"}]


async def test_presence_sent(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    worker = await stand_in(infra, workers, "chat.presence", ok_reply())

    response = await client.post(
        f"/v1/sessions/{session}/presence", json={"chat": GROUP, "state": "typing"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "sessionId": session,
        "chat": GROUP,
        "state": "typing",
    }
    assert worker.requests == [{"chat": GROUP, "state": "typing"}]


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (
            "/v1/sessions/bot/presence",
            {"chat": PEER, "state": "sleeping"},
            400,
            "VALIDATION_ERROR",
        ),
        ("/v1/sessions/bot/presence", {"state": "typing"}, 400, "VALIDATION_ERROR"),
        (
            "/v1/sessions/bot/presence",
            {"chat": "x", "state": "typing"},
            422,
            "INVALID_RECIPIENT",
        ),
        (
            "/v1/sessions/ghost/presence",
            {"chat": PEER, "state": "typing"},
            404,
            "SESSION_NOT_FOUND",
        ),
        (
            "/v1/messages/read",
            {"sessionId": "bot", "chat": PEER, "messageIds": []},
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/v1/messages/read",
            {"sessionId": "bot", "chat": PEER, "messageIds": [""]},
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/v1/messages/read",
            {"sessionId": "bot", "chat": PEER, "messageIds": ["A"] * 101},
            400,
            "VALIDATION_ERROR",
        ),
        (
            "/v1/messages/read",
            {"sessionId": "bot", "chat": "x", "messageIds": ["A"]},
            422,
            "INVALID_RECIPIENT",
        ),
        (
            "/v1/messages/read",
            {"sessionId": "ghost", "chat": PEER, "messageIds": ["A"]},
            404,
            "SESSION_NOT_FOUND",
        ),
    ],
)
async def test_bad_live_request_not_sent(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    read = await stand_in(infra, workers, "chat.read", ok_reply())
    presence = await stand_in(infra, workers, "chat.presence", ok_reply())

    response = await client.post(path, json=body)

    assert_error(response, status, code)
    assert read.requests == []
    assert presence.requests == []


async def downloaded_to_bucket(infra: Infrastructure, filename: str | None) -> Any:
    async def handler(body: dict[str, Any]) -> Reply:
        name = f"in/bot/{body['waMessageId']}"
        bucket = await infra.js.object_store(subjects.MEDIA_BUCKET)
        await bucket.put(name, IMAGE)
        data = {"objectName": name, "mimetype": "image/png", "size": len(IMAGE)}
        return Reply(ok=True, data=data | {"filename": filename})

    return handler


async def test_download_streams_media(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(
        infra,
        session,
        "WA-IMG",
        message_type="image",
        data={"media": {"mimetype": "image/png"}},
        download={"directPath": "/v/x"},
    )
    handler = await downloaded_to_bucket(infra, "holiday photo €.png")
    worker = await stand_in(infra, workers, "media.download", handler)

    response = await client.get("/v1/messages/WA-IMG/media")

    assert response.status_code == 200, response.text
    assert response.content == IMAGE
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(IMAGE))
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="holiday photo _.png"')
    assert "filename*=UTF-8''holiday%20photo%20%E2%82%AC.png" in disposition
    assert worker.requests == [{"waMessageId": "WA-IMG"}]


async def test_download_large_media(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    # Larger than the part the api keeps in memory, so it streams from a file.
    large = IMAGE * 12
    await seed_received(
        infra, session, "WA-BIG", message_type="image", data={"media": {}}
    )

    async def handler(body: dict[str, Any]) -> Reply:
        bucket = await infra.js.object_store(subjects.MEDIA_BUCKET)
        await bucket.put("in/bot/big", large)
        return Reply(
            ok=True,
            data={
                "objectName": "in/bot/big",
                "mimetype": "image/png",
                "size": len(large),
            },
        )

    await stand_in(infra, workers, "media.download", handler)

    response = await client.get("/v1/messages/WA-BIG/media")

    assert response.status_code == 200, response.text
    assert len(response.content) == len(large)
    assert response.content == large


async def test_download_bound_key_finds_its_session(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    # Both sessions are in the group, so both received the same WhatsApp id.
    await seed_received(infra, "other", "WA-G", message_type="image", data={"media": {}})
    await seed_received(infra, session, "WA-G", message_type="image", data={"media": {}})
    handler = await downloaded_to_bucket(infra, None)
    worker = await stand_in(infra, workers, "media.download", handler)
    bound = (await create_key(client, scopes=["messages"], sessionIds=[session]))["key"]

    response = await anonymous.get(
        "/v1/messages/WA-G/media", headers={"X-API-Key": bound}
    )

    assert response.status_code == 200, response.text
    assert worker.requests == [{"waMessageId": "WA-G"}]


async def test_download_default_filename(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(
        infra, session, "WA-IMG", message_type="image", data={"media": {}}
    )
    await stand_in(
        infra, workers, "media.download", await downloaded_to_bucket(infra, None)
    )

    response = await client.get(
        "/v1/messages/WA-IMG/media", params={"sessionId": session}
    )

    assert response.status_code == 200, response.text
    assert 'filename="WA-IMG.png"' in response.headers["content-disposition"]


async def test_download_refusals(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(infra, session, "WA-TEXT", data={"text": "hi"})
    await seed_received(
        infra, "other", "WA-OTHER", message_type="image", data={"media": {}}
    )
    worker = await stand_in(
        infra, workers, "media.download", await downloaded_to_bucket(infra, None)
    )
    bound = (await create_key(client, scopes=["messages"], sessionIds=[session]))["key"]

    unknown = await client.get("/v1/messages/WA-NOPE/media")
    no_media = await client.get("/v1/messages/WA-TEXT/media")
    wrong_session = await client.get(
        "/v1/messages/WA-OTHER/media", params={"sessionId": session}
    )
    hidden = await anonymous.get(
        "/v1/messages/WA-OTHER/media", headers={"X-API-Key": bound}
    )

    assert_error(unknown, 404, "NOT_FOUND")
    no_media_body = assert_error(no_media, 404, "NOT_FOUND")
    assert "no media" in no_media_body["error"]["message"]
    assert_error(wrong_session, 404, "NOT_FOUND")
    assert_error(hidden, 404, "NOT_FOUND")
    assert worker.requests == []


async def test_download_worker_errors_pass_through(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(
        infra, session, "WA-IMG", message_type="image", data={"media": {}}
    )
    await stand_in(
        infra,
        workers,
        "media.download",
        error_reply(409, "SESSION_NOT_CONNECTED", "session 'bot' is not connected"),
    )

    response = await client.get("/v1/messages/WA-IMG/media")

    assert_error(response, 409, "SESSION_NOT_CONNECTED")


async def test_download_missing_object_not_found(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    workers: list[StandInWorker],
) -> None:
    await seed_received(
        infra, session, "WA-IMG", message_type="image", data={"media": {}}
    )
    data = {"objectName": "in/bot/gone", "mimetype": "image/png", "size": 3}
    await stand_in(infra, workers, "media.download", ok_reply(data))

    response = await client.get("/v1/messages/WA-IMG/media")

    body = assert_error(response, 404, "NOT_FOUND")
    assert "no longer stored" in body["error"]["message"]


async def test_openapi_documents_message_routes(anonymous: httpx.AsyncClient) -> None:
    paths = (await anonymous.get("/openapi.json")).json()["paths"]
    posts = [
        "/v1/messages/media",
        "/v1/messages/location",
        "/v1/messages/contact",
        "/v1/messages/poll",
        "/v1/messages/reaction",
        "/v1/messages/forward",
        "/v1/messages/read",
        "/v1/sessions/{session_id}/presence",
    ]

    for path in posts:
        operation = paths[path]["post"]
        assert "requestBody" in operation, path
        assert "$ref" in str(operation["responses"]), path
    assert "requestBody" in paths["/v1/messages/{message_id}"]["patch"]
    assert "delete" in paths["/v1/messages/{message_id}"]
    assert "get" in paths["/v1/messages/{message_id}/media"]

"""The api's sandbox routes on top of the real sandbox service and a driver."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from nats.js.errors import NotFoundError

from tests.integration.sandbox.conftest import DeviceFactory
from tests.integration.sandbox.support import Device
from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_common.settings import WagateSettings
from wagate_worker.drivers.base import (
    CallReceived,
    Connected,
    GroupParticipantsChanged,
    GroupUpdated,
    MessageReceived,
    MessageRevoked,
    PresenceChanged,
    QrChanged,
    ReactionReceived,
)


@pytest.fixture
async def client(
    settings: WagateSettings, infra: Infrastructure
) -> AsyncIterator[httpx.AsyncClient]:
    api_settings = ApiSettings(**settings.model_dump(), request_timeout_seconds=2.0)
    app = create_app(api_settings, infra)
    headers = {"X-API-Key": api_settings.admin_api_key or ""}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://api.test",
            headers=headers,
        ) as http,
    ):
        yield http


async def test_routes_pair_write_and_list(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    await client.post("/v1/sessions", json={"id": "shop", "driver": "sandbox"})
    device = make_device("shop")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    paired = await client.post(
        "/v1/sandbox/pair", json={"sessionId": "shop", "phone": "+1 555 010 0001"}
    )
    await device.listener.wait_for(Connected)
    written = await client.post(
        "/v1/sandbox/messages",
        json={"sessionId": "shop", "from": "+1 555 010 0002", "text": "hello"},
    )
    received = await device.listener.wait_for(MessageReceived)
    await device.driver.send_text("msg_1", "15550100002", TextContent(text="hi back"))
    inbox = await client.get("/v1/sandbox/inbox/+15550100002")

    assert paired.status_code == 200, paired.text
    assert paired.json()["data"]["me"]["jid"] == "15550100001@s.whatsapp.net"
    assert written.status_code == 200, written.text
    assert received.text == "hello"
    assert inbox.status_code == 200, inbox.text
    assert [item["text"] for item in inbox.json()["data"]["messages"]] == ["hi back"]


async def test_route_pair_refused_when_not_pairing(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    await client.post("/v1/sessions", json={"id": "idle", "driver": "sandbox"})

    response = await client.post(
        "/v1/sandbox/pair", json={"sessionId": "idle", "phone": "15550100001"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "SANDBOX_CONFLICT"
    assert "its status is 'created'" in response.json()["error"]["message"]
    assert "wait for status 'qr'" in response.json()["error"]["message"]


async def test_route_group_created_with_session(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    await client.post("/v1/sessions", json={"id": "team", "driver": "sandbox"})
    device = make_device("team")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)
    await client.post(
        "/v1/sandbox/pair", json={"sessionId": "team", "phone": "15550100001"}
    )
    await device.listener.wait_for(Connected)

    created = await client.post(
        "/v1/sandbox/groups",
        json={
            "sessionId": "team",
            "subject": "Ops",
            "participants": ["+1 555 010 0002", "+1 555 010 0003"],
        },
    )

    assert created.status_code == 201, created.text
    group = created.json()["data"]
    assert group["id"].endswith("@g.us")
    assert group["subject"] == "Ops"
    assert group["owner"] == "15550100002@s.whatsapp.net"
    assert "15550100001@s.whatsapp.net" in group["participants"]


async def test_route_group_rejects_bad_phone(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "team2", "driver": "sandbox"})

    response = await client.post(
        "/v1/sandbox/groups",
        json={"sessionId": "team2", "subject": "Ops", "participants": ["nobody"]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def paired_session(
    client: httpx.AsyncClient, make_device: DeviceFactory, session_id: str
) -> Device:
    await client.post("/v1/sessions", json={"id": session_id, "driver": "sandbox"})
    device = make_device(session_id)
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)
    response = await client.post(
        "/v1/sandbox/pair", json={"sessionId": session_id, "phone": "15550100001"}
    )
    assert response.status_code == 200, response.text
    await device.listener.wait_for(Connected)
    return device


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PNG_BASE64 = base64.b64encode(PNG).decode()


async def test_route_media_stored_and_downloadable(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    device = await paired_session(client, make_device, "media")

    response = await client.post(
        "/v1/sandbox/messages",
        json={
            "sessionId": "media",
            "from": "+1 555 010 0002",
            "media": {"base64": PNG_BASE64, "mimetype": "image/png", "filename": "a.png"},
            "caption": "photo",
        },
    )
    received = await device.listener.wait_for(MessageReceived)
    assert received.content.media is not None
    data = await device.driver.download_media(received.content.media.download)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["type"] == "image"
    assert received.content.type == "image"
    assert received.content.caption == "photo"
    assert received.content.media.sha256 == hashlib.sha256(PNG).hexdigest()
    assert received.content.media.size == len(PNG)
    assert received.content.media.download["object"].startswith("sbx/")
    assert data == PNG


async def test_route_location_contacts_poll(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    device = await paired_session(client, make_device, "kinds")
    bodies: list[dict[str, Any]] = [
        {"location": {"latitude": 1.5, "longitude": 2.5, "name": "Here"}},
        {"contacts": [{"name": "Ann", "phone": "+1 555 010 0009"}]},
        {"poll": {"question": "Q?", "options": ["a", "b"], "multipleAnswers": True}},
        {"type": "sticker", "media": {"base64": WEBP_BASE64, "mimetype": "image/webp"}},
    ]

    for body in bodies:
        response = await client.post(
            "/v1/sandbox/messages",
            json={"sessionId": "kinds", "from": "15550100002", **body},
        )
        assert response.status_code == 200, response.text
    await device.listener.wait_for(MessageReceived, len(bodies))

    events = device.listener.of_type(MessageReceived)
    assert [event.content.type for event in events] == [
        "location",
        "contact",
        "poll",
        "sticker",
    ]
    assert events[1].content.contacts[0].phone == "15550100009"
    assert events[2].content.poll is not None
    assert events[2].content.poll.selectable == 2


WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)
WEBP_BASE64 = base64.b64encode(WEBP).decode()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "VALIDATION_ERROR"),
        (
            {"text": "a", "location": {"latitude": 1, "longitude": 1}},
            400,
            "VALIDATION_ERROR",
        ),
        ({"type": "image", "text": "no media"}, 400, "VALIDATION_ERROR"),
        ({"type": "contact", "text": "x"}, 400, "VALIDATION_ERROR"),
        ({"text": "x", "ptt": True}, 400, "VALIDATION_ERROR"),
        ({"location": {"latitude": 100, "longitude": 1}}, 400, "VALIDATION_ERROR"),
        ({"poll": {"question": "q", "options": ["a", "a"]}}, 400, "VALIDATION_ERROR"),
        ({"text": "x", "mentions": ["not a jid"]}, 400, "VALIDATION_ERROR"),
        (
            {"media": {"base64": "%%%", "mimetype": "image/png"}},
            400,
            "VALIDATION_ERROR",
        ),
        (
            {
                "type": "image",
                "media": {"base64": PNG_BASE64, "mimetype": "application/pdf"},
            },
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            {
                "type": "sticker",
                "media": {"base64": PNG_BASE64, "mimetype": "image/webp"},
            },
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ],
)
async def test_route_message_validation(
    client: httpx.AsyncClient,
    make_device: DeviceFactory,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    device = await paired_session(client, make_device, "strict")

    response = await client.post(
        "/v1/sandbox/messages",
        json={"sessionId": "strict", "from": "15550100002", **body},
    )

    assert response.status_code == status, response.text
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == code
    assert device.listener.of_type(MessageReceived) == []


async def test_route_media_refused_by_sandbox_deleted(
    client: httpx.AsyncClient, infra: Infrastructure, make_device: DeviceFactory
) -> None:
    await paired_session(client, make_device, "refuse")
    store = await infra.js.object_store(subjects.MEDIA_BUCKET)
    before = {info.name for info in await _objects(store)}

    response = await client.post(
        "/v1/sandbox/messages",
        json={
            "sessionId": "refuse",
            "from": "15550100002",
            "groupId": "120363999999999999@g.us",
            "media": {"base64": PNG_BASE64, "mimetype": "image/png"},
        },
    )
    after = {info.name for info in await _objects(store)}

    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "GROUP_NOT_FOUND"
    assert after == before


async def _objects(store: Any) -> list[Any]:
    try:
        return list(await store.list(ignore_deletes=True))
    except NotFoundError:
        return []


async def test_route_reaction_revoke_presence_call(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    device = await paired_session(client, make_device, "acts")
    written = await client.post(
        "/v1/sandbox/messages",
        json={"sessionId": "acts", "from": "15550100002", "text": "hi"},
    )
    wa_id = written.json()["data"]["waMessageId"]
    common = {"sessionId": "acts", "from": "15550100002"}

    reaction = await client.post(
        "/v1/sandbox/reactions", json={**common, "messageId": wa_id, "emoji": "👍"}
    )
    revoke = await client.post("/v1/sandbox/revokes", json={**common, "messageId": wa_id})
    presence = await client.post(
        "/v1/sandbox/presence", json={**common, "state": "typing"}
    )
    call = await client.post("/v1/sandbox/calls", json={**common, "video": True})
    await device.listener.wait_for(CallReceived)

    for response in (reaction, revoke, presence, call):
        assert response.status_code == 200, response.text
    assert device.listener.of_type(ReactionReceived)[0].emoji == "👍"
    assert device.listener.of_type(MessageRevoked)[0].wa_message_id == wa_id
    assert device.listener.of_type(PresenceChanged)[0].state == "typing"
    assert device.listener.of_type(CallReceived)[0].video is True


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/sandbox/reactions", {"from": "15550100002", "messageId": "m"}),
        ("/v1/sandbox/reactions", {"from": "x", "messageId": "m", "emoji": "y"}),
        ("/v1/sandbox/revokes", {"from": "15550100002", "messageId": ""}),
        ("/v1/sandbox/presence", {"from": "15550100002", "state": "asleep"}),
        (
            "/v1/sandbox/presence",
            {
                "from": "15550100002",
                "state": "typing",
                "groupId": "15550100002@s.whatsapp.net",
            },
        ),
        ("/v1/sandbox/calls", {"from": "call me"}),
    ],
)
async def test_route_phone_action_validation(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    await client.post("/v1/sessions", json={"id": "strict2", "driver": "sandbox"})

    response = await client.post(path, json={"sessionId": "strict2", **body})

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_route_group_changes_by_phone(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    device = await paired_session(client, make_device, "grp")
    created = await client.post(
        "/v1/sandbox/groups",
        json={"sessionId": "grp", "subject": "Ops", "participants": ["15550100002"]},
    )
    group = created.json()["data"]["id"]

    changed = await client.post(
        f"/v1/sandbox/groups/{group}/participants",
        json={
            "sessionId": "grp",
            "by": "15550100002",
            "action": "add",
            "participants": ["15550100003", "15550100000"],
        },
    )
    # The path takes the group id without "@g.us" too, like /v1/groups.
    updated = await client.patch(
        f"/v1/sandbox/groups/{group.removesuffix('@g.us')}",
        json={"sessionId": "grp", "by": "15550100002", "description": "On call"},
    )
    await device.listener.wait_for(GroupUpdated)

    assert changed.status_code == 200, changed.text
    assert [row["ok"] for row in changed.json()["data"]["results"]] == [True, False]
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["description"] == "On call"
    assert device.listener.of_type(GroupParticipantsChanged)[0].participants == [
        "15550100003@s.whatsapp.net"
    ]


async def test_route_group_message_by_bare_group_id(
    client: httpx.AsyncClient, make_device: DeviceFactory
) -> None:
    device = await paired_session(client, make_device, "bare")
    created = await client.post(
        "/v1/sandbox/groups",
        json={"sessionId": "bare", "subject": "Ops", "participants": ["15550100002"]},
    )
    group = created.json()["data"]["id"]
    common = {"sessionId": "bare", "from": "15550100002"}

    written = await client.post(
        "/v1/sandbox/messages",
        json={**common, "text": "hi all", "groupId": group.removesuffix("@g.us")},
    )
    presence = await client.post(
        "/v1/sandbox/presence",
        json={**common, "state": "typing", "groupId": f" {group.upper()} "},
    )
    received = await device.listener.wait_for(MessageReceived)
    await device.listener.wait_for(PresenceChanged)

    assert written.status_code == 200, written.text
    assert written.json()["data"]["chat"] == group
    assert received.chat == group
    assert received.text == "hi all"
    assert presence.status_code == 200, presence.text
    assert device.listener.of_type(PresenceChanged)[0].chat == group


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/v1/sandbox/groups/120363000000000001@g.us", {"by": "15550100002"}),
        ("PATCH", "/v1/sandbox/groups/nogroup", {"by": "15550100002", "subject": "x"}),
        (
            "POST",
            "/v1/sandbox/groups/120363000000000001@g.us/participants",
            {"by": "15550100002", "action": "kick", "participants": ["1"]},
        ),
        (
            "POST",
            "/v1/sandbox/groups/120363000000000001@g.us/participants",
            {"by": "15550100002", "action": "add", "participants": []},
        ),
        (
            "POST",
            "/v1/sandbox/groups/15550100002@s.whatsapp.net/participants",
            {"by": "15550100002", "action": "add", "participants": ["1"]},
        ),
    ],
)
async def test_route_group_change_validation(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any]
) -> None:
    await client.post("/v1/sessions", json={"id": "strict3", "driver": "sandbox"})

    response = await client.request(method, path, json={"sessionId": "strict3", **body})

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"

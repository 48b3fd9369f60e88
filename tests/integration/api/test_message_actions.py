"""Reaction, forward, edit and revoke: targets, copied content and refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records, queued_commands
from tests.integration.api.keys import create_key
from tests.integration.api.message_support import (
    last_command,
    record_of,
    seed_received,
    seed_sent,
)
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.storage.messages import MessageRepository

PEER = "15550100002@s.whatsapp.net"
GROUP = "120363000000000001@g.us"
TEXT = {"kind": "text", "text": "hello", "replyTo": "WA-0", "mentions": [PEER]}
LOCATION = {"kind": "location", "latitude": 1.5, "longitude": 2.5, "name": "Here"}


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    await client.post("/v1/sessions", json={"id": "other", "driver": "sandbox"})
    return "bot"


async def test_reaction_to_sent_message(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_a", session, PEER, TEXT, wa_message_id="WA-A")

    for message_id in ("msg_a", "WA-A"):
        response = await client.post(
            "/v1/messages/reaction",
            json={"sessionId": session, "messageId": message_id, "emoji": "👍"},
        )

        assert response.status_code == 202, response.text
        data = response.json()["data"]
        assert data["type"] == "reaction"
        assert data["to"] == PEER
        content = (await last_command(infra, session))["content"]
        assert content == {
            "kind": "reaction",
            "target": {
                "waMessageId": "WA-A",
                "chat": PEER,
                "fromMe": True,
                "sender": None,
            },
            "emoji": "👍",
        }
        assert (await record_of(infra, data["id"]))["content"] == content


async def test_reaction_to_received_group_message(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_received(
        infra, session, "WA-IN", chat=GROUP, sender="15550100007@s.whatsapp.net"
    )

    response = await client.post(
        "/v1/messages/reaction",
        json={"sessionId": session, "messageId": "WA-IN", "emoji": ""},
    )

    assert response.status_code == 202, response.text
    assert response.json()["data"]["to"] == GROUP
    content = (await last_command(infra, session))["content"]
    assert content["emoji"] == ""
    assert content["target"] == {
        "waMessageId": "WA-IN",
        "chat": GROUP,
        "fromMe": False,
        "sender": "15550100007@s.whatsapp.net",
    }


async def test_reaction_to_unsent_message_conflicts(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_q", session, PEER, TEXT, wa_message_id=None)

    response = await client.post(
        "/v1/messages/reaction",
        json={"sessionId": session, "messageId": "msg_q", "emoji": "👍"},
    )

    assert_error(response, 409, "MESSAGE_NOT_SENT")
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


@pytest.mark.parametrize("route", ["reaction", "forward"])
async def test_other_sessions_message_not_found(
    client: httpx.AsyncClient, infra: Infrastructure, session: str, route: str
) -> None:
    await seed_sent(infra, "msg_o", "other", PEER, TEXT, wa_message_id="WA-O")
    await seed_received(infra, "other", "WA-OTHER-IN")
    extra = {"emoji": "x"} if route == "reaction" else {"to": PEER}
    body: dict[str, Any] = {"sessionId": session, **extra}

    for message_id in ("msg_o", "WA-O", "WA-OTHER-IN", "msg_unknown"):
        response = await client.post(
            f"/v1/messages/{route}", json={**body, "messageId": message_id}
        )

        assert_error(response, 404, "NOT_FOUND")
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


async def test_bound_key_cannot_act_on_other_session(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
) -> None:
    await seed_sent(infra, "msg_o", "other", PEER, TEXT, wa_message_id="WA-O")
    key = (await create_key(client, scopes=["messages"], sessionIds=[session]))["key"]
    headers = {"X-API-Key": key}

    reaction = await anonymous.post(
        "/v1/messages/reaction",
        json={"sessionId": "other", "messageId": "msg_o", "emoji": "x"},
        headers=headers,
    )
    edit = await anonymous.patch(
        "/v1/messages/msg_o", json={"text": "new"}, headers=headers
    )
    revoke = await anonymous.delete("/v1/messages/msg_o", headers=headers)

    assert_error(reaction, 404, "SESSION_NOT_FOUND")
    assert_error(edit, 404, "NOT_FOUND")
    assert_error(revoke, 404, "NOT_FOUND")
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


async def test_forward_sent_text_copies_content(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_a", session, PEER, TEXT, wa_message_id="WA-A")

    response = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": "+1 555 010 0008", "messageId": "WA-A"},
    )

    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert data["type"] == "text"
    assert data["to"] == "15550100008@s.whatsapp.net"
    content = (await last_command(infra, session))["content"]
    assert content["text"] == "hello"
    assert content["forwarded"] is True
    assert content["replyTo"] is None
    assert content["mentions"] == []


async def test_forward_stored_media_needs_object(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    media = {
        "source": "object",
        "name": "out/msg_m",
        "size": 4,
        "sha256": "00",
        "mimetype": "image/png",
    }
    content = {"kind": "media", "mediaType": "image", "media": media, "caption": "c"}
    await seed_sent(infra, "msg_m", session, PEER, content, wa_message_id="WA-M")

    missing = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": PEER, "messageId": "msg_m"},
    )
    body = assert_error(missing, 404, "NOT_FOUND")
    assert "WAGATE_MEDIA_RETENTION_HOURS" in body["error"]["message"]
    assert await queued_commands(infra) == 0

    bucket = await infra.js.object_store(subjects.MEDIA_BUCKET)
    await bucket.put("out/msg_m", b"data")
    kept = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": PEER, "messageId": "msg_m"},
    )

    assert kept.status_code == 202, kept.text
    assert kept.json()["data"]["type"] == "image"
    forwarded = (await last_command(infra, session))["content"]
    assert forwarded["media"]["name"] == "out/msg_m"
    assert forwarded["forwarded"] is True
    assert forwarded["caption"] == "c"


async def test_forward_received_messages(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_received(infra, session, "WA-T", data={"text": "hi there"})
    await seed_received(
        infra,
        session,
        "WA-L",
        message_type="location",
        data={"location": {"latitude": 3.0, "longitude": 4.0, "name": None}},
    )
    await seed_received(
        infra,
        session,
        "WA-C",
        message_type="contact",
        data={
            "contacts": [
                {"name": "Ada", "phone": None, "vcard": "TEL;waid=15550100005:+1555"}
            ]
        },
    )
    expected: dict[str, tuple[str, dict[str, Any]]] = {
        "WA-T": ("text", {"text": "hi there"}),
        "WA-L": ("location", {"latitude": 3.0, "longitude": 4.0}),
        "WA-C": ("contact", {"contacts": [{"name": "Ada", "phone": "15550100005"}]}),
    }

    for wa_message_id, (message_type, fields) in expected.items():
        response = await client.post(
            "/v1/messages/forward",
            json={"sessionId": session, "to": PEER, "messageId": wa_message_id},
        )

        assert response.status_code == 202, response.text
        assert response.json()["data"]["type"] == message_type
        content = (await last_command(infra, session))["content"]
        assert content["forwarded"] is True
        for name, value in fields.items():
            assert content[name] == value, name


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            {"message_type": "image", "data": {"media": {"mimetype": "image/jpeg"}}},
            "media",
        ),
        ({"message_type": "poll", "data": {"poll": {"question": "q"}}}, "poll"),
        ({"message_type": "unknown"}, "unknown"),
        ({"message_type": "contact", "data": {"contacts": [{"name": "A"}]}}, "phone"),
    ],
)
async def test_forward_received_refused(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    seed: dict[str, Any],
    message: str,
) -> None:
    await seed_received(infra, session, "WA-X", **seed)

    response = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": PEER, "messageId": "WA-X"},
    )

    body = assert_error(response, 422, "UNSUPPORTED_MESSAGE_TYPE")
    assert message in body["error"]["message"]
    assert await message_records(infra) == 0
    assert await queued_commands(infra) == 0


@pytest.mark.parametrize(
    "content",
    [
        {"kind": "poll", "question": "q", "options": ["a", "b"]},
        {
            "kind": "reaction",
            "target": {"waMessageId": "W", "chat": PEER, "fromMe": True},
            "emoji": "x",
        },
    ],
)
async def test_forward_sent_poll_or_reaction_refused(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    content: dict[str, Any],
) -> None:
    await seed_sent(infra, "msg_p", session, PEER, content, wa_message_id="WA-P")

    response = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": PEER, "messageId": "msg_p"},
    )

    assert_error(response, 422, "UNSUPPORTED_MESSAGE_TYPE")
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


async def test_forward_unsent_conflicts(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_q", session, PEER, TEXT, wa_message_id=None)

    response = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": PEER, "messageId": "msg_q"},
    )

    assert_error(response, 409, "MESSAGE_NOT_SENT")
    assert await queued_commands(infra) == 0


async def test_edit_sent_text(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_a", session, GROUP, TEXT, wa_message_id="WA-A")

    response = await client.patch("/v1/messages/WA-A", json={"text": "fixed"})

    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert data["type"] == "edit"
    assert data["to"] == GROUP
    assert data["id"] != "msg_a"
    content = (await last_command(infra, session))["content"]
    assert content == {
        "kind": "edit",
        "target": {"waMessageId": "WA-A", "chat": GROUP, "fromMe": True, "sender": None},
        "text": "fixed",
    }
    original = await record_of(infra, "msg_a")
    assert original["content"]["text"] == "hello"


async def test_revoke_sent_message(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_l", session, PEER, LOCATION, wa_message_id="WA-L")

    response = await client.delete("/v1/messages/msg_l")

    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert data["type"] == "revoke"
    content = (await last_command(infra, session))["content"]
    assert content == {
        "kind": "revoke",
        "target": {"waMessageId": "WA-L", "chat": PEER, "fromMe": True, "sender": None},
    }


@pytest.mark.parametrize(
    ("method", "seeded", "status", "code"),
    [
        ("PATCH", "location", 422, "UNSUPPORTED_MESSAGE_TYPE"),
        ("PATCH", "forwarded", 422, "UNSUPPORTED_MESSAGE_TYPE"),
        ("PATCH", "unsent", 409, "MESSAGE_NOT_SENT"),
        ("PATCH", "received", 422, "UNSUPPORTED_MESSAGE_TYPE"),
        ("PATCH", "unknown", 404, "NOT_FOUND"),
        ("DELETE", "reaction", 422, "UNSUPPORTED_MESSAGE_TYPE"),
        ("DELETE", "unsent", 409, "MESSAGE_NOT_SENT"),
        ("DELETE", "received", 422, "UNSUPPORTED_MESSAGE_TYPE"),
        ("DELETE", "unknown", 404, "NOT_FOUND"),
    ],
)
async def test_edit_and_revoke_refused(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    method: str,
    seeded: str,
    status: int,
    code: str,
) -> None:
    reaction = {
        "kind": "reaction",
        "target": {"waMessageId": "W", "chat": PEER, "fromMe": True},
        "emoji": "x",
    }
    if seeded == "location":
        await seed_sent(infra, "msg_x", session, PEER, LOCATION, wa_message_id="WA-X")
    elif seeded == "forwarded":
        forwarded = {**TEXT, "forwarded": True}
        await seed_sent(infra, "msg_x", session, PEER, forwarded, wa_message_id="WA-X")
    elif seeded == "reaction":
        await seed_sent(infra, "msg_x", session, PEER, reaction, wa_message_id="WA-X")
    elif seeded == "unsent":
        await seed_sent(infra, "msg_x", session, PEER, TEXT, wa_message_id=None)
    elif seeded == "received":
        await seed_received(infra, session, "msg_x")
    records_before = await message_records(infra)

    body = {"text": "new"} if method == "PATCH" else None
    response = await client.request(method, "/v1/messages/msg_x", json=body)

    assert_error(response, status, code)
    assert await message_records(infra) == records_before
    assert await queued_commands(infra) == 0


ACTION_RECORDS: dict[str, dict[str, Any]] = {
    "reaction": {
        "kind": "reaction",
        "target": {"waMessageId": "WA-T", "chat": PEER, "fromMe": True},
        "emoji": "x",
    },
    "edit": {
        "kind": "edit",
        "target": {"waMessageId": "WA-T", "chat": PEER, "fromMe": True},
        "text": "new",
    },
    "revoke": {
        "kind": "revoke",
        "target": {"waMessageId": "WA-T", "chat": PEER, "fromMe": True},
    },
}


@pytest.mark.parametrize("kind", ["reaction", "edit", "revoke"])
async def test_reaction_to_action_record_refused(
    client: httpx.AsyncClient, infra: Infrastructure, session: str, kind: str
) -> None:
    content = ACTION_RECORDS[kind]
    await seed_sent(infra, "msg_x", session, PEER, content, wa_message_id="WA-X")

    for message_id in ("msg_x", "WA-X"):
        response = await client.post(
            "/v1/messages/reaction",
            json={"sessionId": session, "messageId": message_id, "emoji": "👍"},
        )

        error = assert_error(response, 422, "UNSUPPORTED_MESSAGE_TYPE")
        message = error["error"]["message"]
        assert f"message '{message_id}' is a" in message
        assert f"{kind} record" in message
        assert "cannot be reacted to" in message
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


@pytest.mark.parametrize(
    ("method", "kind", "hint"),
    [
        ("DELETE", "reaction", "send an empty reaction to message 'WA-T'"),
        ("DELETE", "edit", "revoke the edited message 'WA-T' instead"),
        ("DELETE", "revoke", "deleted message 'WA-T' for everyone"),
        ("PATCH", "reaction", "send a new reaction to message 'WA-T'"),
        ("PATCH", "edit", "send a new edit of message 'WA-T'"),
        ("PATCH", "revoke", "deleted message 'WA-T' for everyone"),
    ],
)
async def test_action_record_refusal_hint_fits_kind(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    method: str,
    kind: str,
    hint: str,
) -> None:
    content = ACTION_RECORDS[kind]
    await seed_sent(infra, "msg_x", session, PEER, content, wa_message_id="WA-X")

    body = {"text": "t"} if method == "PATCH" else None
    response = await client.request(method, "/v1/messages/msg_x", json=body)

    error = assert_error(response, 422, "UNSUPPORTED_MESSAGE_TYPE")
    message = error["error"]["message"]
    assert f"{kind} record" in message
    assert hint in message
    if kind != "reaction":
        assert "reaction" not in message
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


async def revoke_seeded(
    infra: Infrastructure, session_id: str, revoked_by: str | None
) -> None:
    """Seed the sent text msg_t (WA-T) and record its revoke as the worker does."""
    await seed_sent(infra, "msg_t", session_id, PEER, TEXT, wa_message_id="WA-T")
    await MessageRepository(infra.db, 30).mark_revoked(
        session_id, "WA-T", datetime.now(UTC), revoked_by=revoked_by
    )


REVOKED_TARGET_REQUESTS = [
    ("PATCH", "/v1/messages/{id}", {"text": "new"}, "so it cannot be edited"),
    ("DELETE", "/v1/messages/{id}", None, ""),
    (
        "POST",
        "/v1/messages/reaction",
        {"sessionId": "bot", "messageId": "{id}", "emoji": "x"},
        "so it cannot be reacted to",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "ending"), REVOKED_TARGET_REQUESTS)
async def test_action_on_revoked_message_refused(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    ending: str,
) -> None:
    await revoke_seeded(infra, session, revoked_by="msg_r")

    for message_id in ("msg_t", "WA-T"):
        json_body = body and {
            key: value.format(id=message_id) for key, value in body.items()
        }
        response = await client.request(
            method, path.format(id=message_id), json=json_body
        )

        error = assert_error(response, 422, "UNSUPPORTED_MESSAGE_TYPE")
        message = error["error"]["message"]
        assert f"message '{message_id}' was already revoked" in message
        assert "by revoke 'msg_r'" in message
        assert message.endswith(ending)
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


async def test_revoke_outside_gateway_refuses_edit(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await revoke_seeded(infra, session, revoked_by=None)

    response = await client.patch("/v1/messages/msg_t", json={"text": "new"})

    error = assert_error(response, 422, "UNSUPPORTED_MESSAGE_TYPE")
    assert (
        "revoked (deleted for everyone) outside the gateway"
        in (error["error"]["message"])
    )
    assert await queued_commands(infra) == 0


async def test_revoked_message_can_be_forwarded(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await revoke_seeded(infra, session, revoked_by="msg_r")

    response = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": PEER, "messageId": "msg_t"},
    )

    assert response.status_code == 202, response.text
    content = (await last_command(infra, session))["content"]
    assert content["text"] == "hello"
    assert content["forwarded"] is True


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PATCH", "/v1/messages/msg_a", {"text": ""}, "text"),
        ("PATCH", "/v1/messages/msg_a", {}, "text"),
        (
            "POST",
            "/v1/messages/reaction",
            {"sessionId": "bot", "messageId": "msg_a"},
            "emoji",
        ),
        (
            "POST",
            "/v1/messages/reaction",
            {"sessionId": "bot", "messageId": "msg_a", "emoji": "x" * 33},
            "emoji",
        ),
        (
            "POST",
            "/v1/messages/reaction",
            {"sessionId": "bot", "messageId": "msg_a", "emoji": "  "},
            "emoji",
        ),
        (
            "POST",
            "/v1/messages/forward",
            {"sessionId": "bot", "messageId": "msg_a"},
            "to",
        ),
        (
            "POST",
            "/v1/messages/forward",
            {"sessionId": "bot", "to": PEER, "messageId": ""},
            "messageId",
        ),
    ],
)
async def test_invalid_action_body(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    await seed_sent(infra, "msg_a", session, PEER, TEXT, wa_message_id="WA-A")

    response = await client.request(method, path, json=body)

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["error"]["message"]
    assert await message_records(infra) == 1
    assert await queued_commands(infra) == 0


async def test_forward_invalid_recipient(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    await seed_sent(infra, "msg_a", session, PEER, TEXT, wa_message_id="WA-A")

    response = await client.post(
        "/v1/messages/forward",
        json={"sessionId": session, "to": "someone", "messageId": "msg_a"},
    )

    assert_error(response, 422, "INVALID_RECIPIENT")
    assert await queued_commands(infra) == 0

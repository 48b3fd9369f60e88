"""Malformed and unauthorized requests get error replies, never silence."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.sandbox.support import ask_api, ask_net, assert_reply_error
from wagate_common.infrastructure import Infrastructure
from wagate_sandbox.app import SandboxService


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        ("pair", b"not json", "not valid JSON"),
        ("pair", {"phone": "15550100002"}, "sessionId"),
        ("pair", {"sessionId": "s1", "phone": "call me"}, "phone"),
        ("pair", {"sessionId": "a.b", "phone": "15550100002"}, "sessionId"),
        ("message", {"sessionId": "s1", "text": "hi"}, "from"),
        ("message", {"sessionId": "s1", "from": "15550100002", "text": ""}, "text"),
        (
            "message",
            {"sessionId": "s1", "from": "15550100002", "text": "hi", "groupId": "1@x"},
            "groupId",
        ),
        ("inbox", {"phone": "abc"}, "phone"),
        ("inbox", {"phone": "15550100002", "limit": 0}, "limit"),
        ("receipt", {"sessionId": "s1", "messageId": "m1", "status": "seen"}, "status"),
        ("group", {"sessionId": "s1", "subject": " ", "participants": []}, "subject"),
        ("logout", [], "body"),
        ("drop", {"sessionId": "*"}, "sessionId"),
    ],
)
async def test_invalid_api_request_rejected(
    infra: Infrastructure,
    sandbox: SandboxService,
    operation: str,
    body: Any,
    expected: str,
) -> None:
    reply = await ask_api(infra.nats, operation, body)

    message = assert_reply_error(reply, 400, "VALIDATION_ERROR")
    assert expected in message


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        ("connect", b"{", "not valid JSON"),
        ("connect", {"sessionId": "s 1"}, "sessionId"),
        ("connect", {"sessionId": "s1", "pairingPhone": "nope"}, "pairingPhone"),
        ("send", {"sessionId": "s1", "token": "t"}, "messageId"),
        (
            "send",
            {"sessionId": "s1", "token": "t", "messageId": "", "to": "1", "text": "x"},
            "messageId",
        ),
        ("disconnect", {"sessionId": "s1"}, "token"),
    ],
)
async def test_invalid_network_request_rejected(
    infra: Infrastructure,
    sandbox: SandboxService,
    operation: str,
    body: Any,
    expected: str,
) -> None:
    reply = await ask_net(infra.nats, operation, body)

    message = assert_reply_error(reply, 400, "VALIDATION_ERROR")
    assert expected in message


async def test_unknown_token_rejected(
    infra: Infrastructure, sandbox: SandboxService
) -> None:
    connect = await ask_net(infra.nats, "connect", {"sessionId": "s1", "token": "forged"})
    send = await ask_net(
        infra.nats,
        "send",
        {
            "sessionId": "s1",
            "token": "forged",
            "messageId": "m1",
            "to": "1555",
            "text": "x",
        },
    )

    assert_reply_error(connect, 401, "UNAUTHORIZED")
    assert_reply_error(send, 401, "UNAUTHORIZED")


async def test_actions_on_unlinked_session_conflict(
    infra: Infrastructure, sandbox: SandboxService
) -> None:
    session = {"sessionId": "stranger"}

    logout = await ask_api(infra.nats, "logout", session)
    receipt = await ask_api(
        infra.nats, "receipt", {**session, "messageId": "m1", "status": "read"}
    )
    group = await ask_api(
        infra.nats, "group", {**session, "subject": "x", "participants": ["15550100002"]}
    )
    drop = await ask_api(infra.nats, "drop", session)

    assert_reply_error(logout, 409, "SANDBOX_CONFLICT")
    assert_reply_error(receipt, 409, "SANDBOX_CONFLICT")
    assert_reply_error(group, 409, "SANDBOX_CONFLICT")
    assert_reply_error(drop, 409, "SESSION_NOT_CONNECTED")


async def test_empty_inbox_is_empty_list(
    infra: Infrastructure, sandbox: SandboxService
) -> None:
    reply = await ask_api(infra.nats, "inbox", {"phone": "+1 555 010 0077"})

    assert reply.ok
    assert reply.data == {"phone": "15550100077", "messages": []}

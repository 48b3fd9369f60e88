"""The README's walk-through on a stack started with ``wagate up``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import signal
import time
from typing import Any

import httpx

from tests.e2e.conftest import StackFactory
from tests.e2e.receiver import Receiver

PHONE = "+1 (555) 010-0002"
PHONE_DIGITS = "15550100002"
OWNER_PHONE = "+1 555 010 0001"


def wait_for_status(
    api: httpx.Client, path: str, status: str, timeout: float = 30.0
) -> dict[str, Any]:
    """Poll a resource until its ``status`` is ``status`` and return it."""
    deadline = time.monotonic() + timeout
    data: dict[str, Any] = {}
    while time.monotonic() < deadline:
        data = api.get(path).json()["data"]
        if data["status"] == status:
            return data
        time.sleep(0.2)
    raise AssertionError(f"{path} stayed {data.get('status')}, expected {status}")


def wait_for_session(
    api: httpx.Client, session_id: str, status: str, timeout: float = 30.0
) -> dict[str, Any]:
    return wait_for_status(api, f"/v1/sessions/{session_id}", status, timeout)


def wait_for_message(api: httpx.Client, message_id: str, status: str) -> dict[str, Any]:
    return wait_for_status(api, f"/v1/messages/{message_id}", status)


def signature_is_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [part.removeprefix("v1,") for part in headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def pair_new_session(api: httpx.Client, session_id: str) -> dict[str, Any]:
    created = api.post("/v1/sessions", json={"id": session_id, "driver": "sandbox"})
    assert created.status_code == 201, created.text
    connected = api.post(f"/v1/sessions/{session_id}/connect")
    assert connected.status_code == 202, connected.text

    waiting = wait_for_session(api, session_id, "qr")
    assert waiting["qr"]["code"]
    assert waiting["qr"]["image"].startswith("data:image/png;base64,")
    qr = api.get(f"/v1/sessions/{session_id}/qr", params={"format": "png"})
    assert qr.content.startswith(b"\x89PNG")

    paired = api.post(
        "/v1/sandbox/pair",
        json={"sessionId": session_id, "phone": OWNER_PHONE, "pushName": "Shop"},
    )
    assert paired.status_code == 200, paired.text
    return wait_for_session(api, session_id, "connected")


def test_walkthrough_end_to_end(stack_factory: StackFactory, receiver: Receiver) -> None:
    api = stack_factory().api
    hook = api.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["message.received"]}
    )
    assert hook.status_code == 201, hook.text
    secret = hook.json()["data"]["secret"]

    session = pair_new_session(api, "shop")
    assert session["me"]["phone"] == "15550100001"
    assert session["me"]["pushName"] == "Shop"

    sent = api.post(
        "/v1/messages/text",
        json={"sessionId": "shop", "to": PHONE, "text": "Your order shipped"},
    )
    assert sent.status_code == 202, sent.text
    message = wait_for_message(api, sent.json()["data"]["id"], "sent")
    inbox = api.get(f"/v1/sandbox/inbox/{PHONE_DIGITS}").json()["data"]["messages"]
    assert [item["text"] for item in inbox] == ["Your order shipped"]
    assert inbox[0]["id"] == message["waMessageId"]

    receipt = api.post(
        "/v1/sandbox/receipts",
        json={"sessionId": "shop", "messageId": message["id"], "status": "read"},
    )
    assert receipt.status_code == 200, receipt.text
    read = wait_for_message(api, message["id"], "read")
    assert read["waMessageId"] == message["waMessageId"]

    inbound = api.post(
        "/v1/sandbox/messages",
        json={"sessionId": "shop", "from": PHONE, "text": "Thanks!"},
    )
    assert inbound.status_code == 200, inbound.text
    delivery = receiver.wait_for("message.received")
    event = delivery.event
    assert event["sessionId"] == "shop"
    assert event["data"]["text"] == "Thanks!"
    assert event["data"]["from"] == f"{PHONE_DIGITS}@s.whatsapp.net"
    assert delivery.headers["webhook-id"] == event["id"]
    assert signature_is_valid(secret, delivery.headers, delivery.body)
    assert not signature_is_valid("whsec_" + "A" * 44, delivery.headers, delivery.body)


def test_stack_survives_restart(
    stack_factory: StackFactory,
) -> None:
    first = stack_factory()
    pair_new_session(first.api, "keep")
    first.process.send_signal(signal.SIGINT)
    assert first.process.wait(timeout=90) == 0

    second = stack_factory()

    session = wait_for_session(second.api, "keep", "connected", timeout=60)
    assert session["me"]["phone"] == "15550100001"
    sent = second.api.post(
        "/v1/messages/text", json={"sessionId": "keep", "to": PHONE, "text": "still here"}
    )
    wait_for_message(second.api, sent.json()["data"]["id"], "sent")

"""Every message type and action, on a stack started with ``wagate up``.

Each send goes from the api through the broker and a worker to the sandbox
network, and the test reads it back from the sandbox phone's inbox.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx

from tests.e2e.conftest import StackFactory
from tests.e2e.receiver import Receiver
from tests.e2e.test_walkthrough import (
    PHONE,
    PHONE_DIGITS,
    pair_new_session,
    wait_for_message,
)

PHONE_JID = f"{PHONE_DIGITS}@s.whatsapp.net"
# The smallest files whose first bytes show their format.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
OGG = b"OggS\x00\x02" + bytes(80)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)
PDF = b"%PDF-1.4\n% invoice\n" + bytes(64)


def encoded(data: bytes, mimetype: str, filename: str | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {
        "base64": base64.b64encode(data).decode(),
        "mimetype": mimetype,
    }
    if filename is not None:
        media["filename"] = filename
    return media


def send(api: httpx.Client, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send and wait until the record is ``sent``; return the record."""
    response = api.post(route, json={"sessionId": "shop", **body})
    assert response.status_code == 202, response.text
    return wait_for_message(api, response.json()["data"]["id"], "sent")


def inbox_by_id(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """The phone's inbox entries that are messages, by WhatsApp's id."""
    entries = api.get(f"/v1/sandbox/inbox/{PHONE_DIGITS}").json()["data"]["messages"]
    return {entry["id"]: entry for entry in entries if entry["id"] is not None}


def inbox_of_type(api: httpx.Client, kind: str) -> list[dict[str, Any]]:
    entries = api.get(f"/v1/sandbox/inbox/{PHONE_DIGITS}").json()["data"]["messages"]
    return [entry for entry in entries if entry["type"] == kind]


def wait_for_entry(api: httpx.Client, kind: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = inbox_of_type(api, kind)
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no {kind} entry reached the inbox")


def test_every_type_reaches_the_phone_inbox(
    stack_factory: StackFactory, receiver: Receiver
) -> None:
    api = stack_factory({"WAGATE_WEBHOOK_ALLOW_PRIVATE": "true"}).api
    pair_new_session(api, "shop")
    receiver.files["/shop.png"] = ("image/png", PNG)

    text = send(
        api, "/v1/messages/text", {"to": PHONE, "text": "Hi", "mentions": [PHONE]}
    )
    image = send(
        api,
        "/v1/messages/media",
        {
            "to": PHONE,
            "type": "image",
            "media": encoded(PNG, "image/png"),
            "caption": "Shop",
        },
    )
    by_url = send(
        api,
        "/v1/messages/media",
        {"to": PHONE, "type": "image", "media": {"url": receiver.file_url("/shop.png")}},
    )
    video = send(
        api,
        "/v1/messages/media",
        {"to": PHONE, "type": "video", "media": encoded(MP4, "video/mp4")},
    )
    voice = send(
        api,
        "/v1/messages/media",
        {"to": PHONE, "type": "audio", "media": encoded(OGG, "audio/ogg"), "ptt": True},
    )
    document = send(
        api,
        "/v1/messages/media",
        {
            "to": PHONE,
            "type": "document",
            "media": encoded(PDF, "application/pdf", "invoice.pdf"),
        },
    )
    sticker = send(
        api,
        "/v1/messages/media",
        {"to": PHONE, "type": "sticker", "media": encoded(WEBP, "image/webp")},
    )
    location = send(
        api,
        "/v1/messages/location",
        {"to": PHONE, "latitude": 52.52, "longitude": 13.405, "name": "Shop"},
    )
    contact = send(
        api,
        "/v1/messages/contact",
        {"to": PHONE, "contacts": [{"name": "Ann Lee", "phone": "+1 555 010 0003"}]},
    )
    poll = send(
        api,
        "/v1/messages/poll",
        {
            "to": PHONE,
            "question": "Pickup?",
            "options": ["Mon", "Tue"],
            "multipleAnswers": True,
        },
    )

    inbox = inbox_by_id(api)
    assert inbox[text["waMessageId"]]["type"] == "text"
    assert inbox[text["waMessageId"]]["text"] == "Hi"
    assert inbox[text["waMessageId"]]["mentions"] == [PHONE_JID]

    image_entry = inbox[image["waMessageId"]]
    assert image_entry["type"] == "image"
    assert image_entry["caption"] == "Shop"
    assert image_entry["media"]["mimetype"] == "image/png"
    assert image_entry["media"]["size"] == len(PNG)
    url_entry = inbox[by_url["waMessageId"]]
    assert url_entry["media"]["size"] == len(PNG)
    assert url_entry["media"]["sha256"] == image_entry["media"]["sha256"]

    assert inbox[video["waMessageId"]]["media"]["mimetype"] == "video/mp4"
    assert inbox[voice["waMessageId"]]["type"] == "audio"
    assert inbox[voice["waMessageId"]]["media"]["ptt"] is True
    assert inbox[document["waMessageId"]]["media"]["filename"] == "invoice.pdf"
    assert inbox[sticker["waMessageId"]]["type"] == "sticker"
    assert inbox[location["waMessageId"]]["location"]["name"] == "Shop"
    assert inbox[location["waMessageId"]]["location"]["latitude"] == 52.52
    [card] = inbox[contact["waMessageId"]]["contacts"]
    assert card["name"] == "Ann Lee"
    assert card["phone"] == "15550100003"
    assert "waid=15550100003" in card["vcard"]
    assert inbox[poll["waMessageId"]]["poll"]["options"] == ["Mon", "Tue"]
    assert inbox[poll["waMessageId"]]["poll"]["selectable"] == 2


def test_actions_change_what_the_phone_sees(
    stack_factory: StackFactory, receiver: Receiver
) -> None:
    api = stack_factory().api
    hook = api.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["message.received"]}
    )
    assert hook.status_code == 201, hook.text
    pair_new_session(api, "shop")
    text = send(api, "/v1/messages/text", {"to": PHONE, "text": "Order 42 ships today"})
    location = send(
        api, "/v1/messages/location", {"to": PHONE, "latitude": 1.5, "longitude": 2.5}
    )

    send(api, "/v1/messages/reaction", {"messageId": text["id"], "emoji": "👍"})
    edit = api.patch(
        f"/v1/messages/{text['id']}", json={"text": "Order 42 ships tomorrow"}
    )
    assert edit.status_code == 202, edit.text
    wait_for_message(api, edit.json()["data"]["id"], "sent")
    forward = send(
        api, "/v1/messages/forward", {"to": PHONE, "messageId": location["id"]}
    )
    revoke = api.delete(f"/v1/messages/{location['id']}")
    assert revoke.status_code == 202, revoke.text
    wait_for_message(api, revoke.json()["data"]["id"], "sent")

    inbox = inbox_by_id(api)
    edited = inbox[text["waMessageId"]]
    assert edited["text"] == "Order 42 ships tomorrow"
    assert edited["edited"] is True
    assert [reaction["emoji"] for reaction in edited["reactions"]] == ["👍"]
    assert inbox[forward["waMessageId"]]["forwarded"] is True
    assert inbox[forward["waMessageId"]]["location"]["latitude"] == 1.5
    assert inbox[location["waMessageId"]]["revoked"] is True
    assert inbox[location["waMessageId"]]["location"] is None

    inbound = api.post(
        "/v1/sandbox/messages",
        json={
            "sessionId": "shop",
            "from": PHONE,
            "type": "image",
            "media": encoded(PNG, "image/png"),
            "caption": "Is this the one?",
        },
    )
    assert inbound.status_code == 200, inbound.text
    received = receiver.wait_for("message.received").event["data"]
    assert received["type"] == "image"
    assert received["caption"] == "Is this the one?"
    assert received["media"]["mimetype"] == "image/png"

    download = api.get(f"/v1/messages/{received['waMessageId']}/media")
    assert download.status_code == 200, download.text
    assert download.content == PNG
    assert download.headers["content-type"].startswith("image/png")

    read = api.post(
        "/v1/messages/read",
        json={
            "sessionId": "shop",
            "chat": PHONE,
            "messageIds": [received["waMessageId"]],
        },
    )
    assert read.status_code == 200, read.text
    typing = api.post(
        "/v1/sessions/shop/presence", json={"chat": PHONE, "state": "typing"}
    )
    assert typing.status_code == 200, typing.text
    assert wait_for_entry(api, "read")["readIds"] == [received["waMessageId"]]
    assert wait_for_entry(api, "presence")["presence"] == "typing"


def test_url_that_fails_ends_in_message_failed(
    stack_factory: StackFactory, receiver: Receiver
) -> None:
    api = stack_factory({"WAGATE_WEBHOOK_ALLOW_PRIVATE": "true"}).api
    hook = api.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["message.failed"]}
    )
    assert hook.status_code == 201, hook.text
    pair_new_session(api, "shop")

    response = api.post(
        "/v1/messages/media",
        json={
            "sessionId": "shop",
            "to": PHONE,
            "type": "image",
            "media": {"url": receiver.file_url("/missing.png")},
        },
    )
    assert response.status_code == 202, response.text
    record = wait_for_message(api, response.json()["data"]["id"], "failed")
    event = receiver.wait_for("message.failed").event["data"]

    assert "404" in record["error"]
    assert event["id"] == record["id"]
    assert event["error"] == record["error"]
    assert inbox_by_id(api) == {}

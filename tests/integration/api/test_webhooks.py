"""Webhook routes: CRUD, secrets, and the URL rules."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.integration.api.helpers import assert_error
from tests.integration.api.keys import create_key
from wagate_api.settings import ApiSettings
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure

RECEIVER = "http://127.0.0.1:9/hook"


@pytest.fixture
def api_settings(api_settings: ApiSettings) -> ApiSettings:
    # A local receiver is a private address: allowed here as the embedded stack does.
    return api_settings.model_copy(update={"webhook_allow_private": True})


async def test_create_webhook_shows_secret_once(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/webhooks",
        json={
            "url": RECEIVER,
            "events": ["message.received"],
            "headers": {"X-Team": "a"},
        },
    )
    webhook_id = created.json()["data"]["id"]

    fetched = await client.get(f"/v1/webhooks/{webhook_id}")
    listed = await client.get("/v1/webhooks")

    assert created.status_code == 201
    secret = created.json()["data"]["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert "secret" not in fetched.json()["data"]
    assert fetched.json()["data"]["headers"] == {"X-Team": "a"}
    assert fetched.json()["data"]["enabled"] is True
    assert fetched.json()["data"]["sessionId"] is None
    assert all("secret" not in item for item in listed.json()["data"])
    assert [item["id"] for item in listed.json()["data"]] == [webhook_id]


async def test_create_webhook_keeps_given_secret(client: httpx.AsyncClient) -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()

    created = await client.post(
        "/v1/webhooks", json={"url": RECEIVER, "events": ["*"], "secret": secret}
    )

    assert created.json()["data"]["secret"] == secret


async def test_patch_rotates_secret(client: httpx.AsyncClient) -> None:
    created = (
        await client.post("/v1/webhooks", json={"url": RECEIVER, "events": ["*"]})
    ).json()
    webhook_id = created["data"]["id"]

    rotated = await client.patch(
        f"/v1/webhooks/{webhook_id}", json={"rotateSecret": True}
    )
    disabled = await client.patch(f"/v1/webhooks/{webhook_id}", json={"enabled": False})

    assert rotated.status_code == 200
    assert rotated.json()["data"]["secret"] != created["data"]["secret"]
    assert disabled.json()["data"]["enabled"] is False
    assert "secret" not in disabled.json()["data"]


async def test_patch_rejects_secret_with_rotation(client: httpx.AsyncClient) -> None:
    created = (
        await client.post("/v1/webhooks", json={"url": RECEIVER, "events": ["*"]})
    ).json()
    webhook_id = created["data"]["id"]
    own_secret = "whsec_" + base64.b64encode(b"x" * 32).decode()

    response = await client.patch(
        f"/v1/webhooks/{webhook_id}", json={"secret": own_secret, "rotateSecret": True}
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "not both" in error["error"]["message"]


async def test_bound_key_cannot_widen_webhook(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await client.post("/v1/sessions", json={"id": "mine", "driver": "sandbox"})
    key = await create_key(client, scopes=["webhooks"], sessionIds=["mine"])
    headers = {"X-API-Key": key["key"]}
    created = await anonymous.post(
        "/v1/webhooks",
        json={"url": RECEIVER, "events": ["*"], "sessionId": "mine"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    webhook_id = created.json()["data"]["id"]

    response = await anonymous.patch(
        f"/v1/webhooks/{webhook_id}", json={"sessionId": None}, headers=headers
    )

    assert_error(response, 403, "FORBIDDEN")
    stored = await client.get(f"/v1/webhooks/{webhook_id}")
    assert stored.json()["data"]["sessionId"] == "mine"


async def test_delete_webhook(client: httpx.AsyncClient) -> None:
    created = (
        await client.post("/v1/webhooks", json={"url": RECEIVER, "events": ["*"]})
    ).json()
    webhook_id = created["data"]["id"]

    deleted = await client.delete(f"/v1/webhooks/{webhook_id}")
    again = await client.get(f"/v1/webhooks/{webhook_id}")

    assert deleted.status_code == 200
    assert_error(again, 404, "WEBHOOK_NOT_FOUND")


async def test_changes_announced_to_dispatchers(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    subscription = await infra.nats.subscribe(subjects.WEBHOOKS_CHANGED)

    created = await client.post("/v1/webhooks", json={"url": RECEIVER, "events": ["*"]})
    notice = await subscription.next_msg(timeout=2)
    await subscription.unsubscribe()

    assert notice.data == created.json()["data"]["id"].encode()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"events": ["*"]}, 400, "VALIDATION_ERROR"),
        ({"url": RECEIVER}, 400, "VALIDATION_ERROR"),
        ({"url": RECEIVER, "events": []}, 400, "VALIDATION_ERROR"),
        ({"url": RECEIVER, "events": ["message.exploded"]}, 400, "VALIDATION_ERROR"),
        ({"url": RECEIVER, "events": ["*"], "secret": "plain"}, 400, "VALIDATION_ERROR"),
        (
            {"url": RECEIVER, "events": ["*"], "headers": {"webhook-id": "x"}},
            400,
            "VALIDATION_ERROR",
        ),
        ({"url": "ftp://example.com/x", "events": ["*"]}, 422, "WEBHOOK_URL_NOT_ALLOWED"),
        (
            {"url": "http://169.254.169.254/latest", "events": ["*"]},
            422,
            "WEBHOOK_URL_NOT_ALLOWED",
        ),
        (
            {"url": RECEIVER, "events": ["*"], "sessionId": "ghost"},
            404,
            "SESSION_NOT_FOUND",
        ),
    ],
)
async def test_bad_webhook_changes_nothing(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    response = await client.post("/v1/webhooks", json=body)

    assert_error(response, status, code)
    assert await infra.db["webhooks"].count_documents({}) == 0


async def test_patch_null_url_rejected(client: httpx.AsyncClient) -> None:
    created = (
        await client.post("/v1/webhooks", json={"url": RECEIVER, "events": ["*"]})
    ).json()

    response = await client.patch(
        f"/v1/webhooks/{created['data']['id']}", json={"url": None}
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_unknown_webhook_not_found(client: httpx.AsyncClient) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(method, "/v1/webhooks/wh_nope", json={})

        assert_error(response, 404, "WEBHOOK_NOT_FOUND")

"""API keys: create, list, revoke, expiry, scopes on every route, other replicas."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.api.helpers import assert_error
from tests.integration.api.keys import create_key
from wagate_api.app import create_app
from wagate_api.auth import SCOPES
from wagate_api.security.keyformat import generate_key, is_well_formed
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure


@pytest.fixture
async def second_replica(
    api_settings: ApiSettings, settings: object
) -> AsyncIterator[httpx.AsyncClient]:
    """A second api app with its own connections to the same servers."""
    infra = await Infrastructure.open(api_settings, "tests-replica-2")
    application = create_app(api_settings, infra)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api-2.test"
        ) as http:
            yield http
    await infra.close()


async def test_created_key_shown_once(client: httpx.AsyncClient) -> None:
    created = await create_key(client, scopes=["sessions"])

    listed = (await client.get("/v1/admin/api-keys")).json()["data"]

    assert is_well_formed(created["key"])
    assert created["prefix"] == created["key"][:12]
    assert created["scopes"] == ["sessions"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert "key" not in listed[0]
    assert "hash" not in listed[0]


async def test_key_stored_only_as_hash(
    client: httpx.AsyncClient, infra: Infrastructure
) -> None:
    created = await create_key(client)

    stored = await infra.db["api_keys"].find_one({"_id": created["id"]})

    assert stored is not None
    assert created["key"] not in str(stored)
    assert len(stored["hash"]) == 64


async def test_created_key_authenticates(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_key(client, scopes=["sessions"])

    response = await anonymous.get("/v1/sessions", headers={"X-API-Key": created["key"]})

    assert response.status_code == 200, response.text


async def test_default_scopes_exclude_admin(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_key(client)

    response = await anonymous.get(
        "/v1/admin/api-keys", headers={"X-API-Key": created["key"]}
    )

    assert "admin" not in created["scopes"]
    assert_error(response, 403, "FORBIDDEN")


async def test_mistyped_key_unauthorized(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    key = (await create_key(client))["key"]
    mistyped = key[:10] + ("A" if key[10] != "A" else "B") + key[11:]

    response = await anonymous.get("/v1/sessions", headers={"X-API-Key": mistyped})

    assert not is_well_formed(mistyped)
    assert_error(response, 401, "UNAUTHORIZED")


async def test_unknown_well_formed_key_unauthorized(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/sessions", headers={"X-API-Key": generate_key()})

    assert_error(response, 401, "UNAUTHORIZED")


async def test_expired_key_unauthorized(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, infra: Infrastructure
) -> None:
    created = await create_key(client, scopes=["sessions"])
    past = datetime.now(UTC) - timedelta(seconds=5)
    await infra.db["api_keys"].update_one(
        {"_id": created["id"]}, {"$set": {"expiresAt": past}}
    )
    await asyncio.sleep(1.1)  # past the lookup cache

    response = await anonymous.get("/v1/sessions", headers={"X-API-Key": created["key"]})

    assert_error(response, 401, "UNAUTHORIZED")


async def test_expiry_in_past_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/admin/api-keys",
        json={"name": "old", "expiresAt": "2020-01-01T00:00:00Z"},
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_unknown_scope_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/admin/api-keys", json={"name": "x", "scopes": ["everything"]}
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_revoke_unknown_key_not_found(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/admin/api-keys/key_missing")

    assert_error(response, 404, "API_KEY_NOT_FOUND")


async def test_revoked_key_unauthorized_at_once(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_key(client, scopes=["sessions"])
    headers = {"X-API-Key": created["key"]}
    assert (await anonymous.get("/v1/sessions", headers=headers)).status_code == 200

    revoked = await client.delete(f"/v1/admin/api-keys/{created['id']}")
    response = await anonymous.get("/v1/sessions", headers=headers)

    assert revoked.status_code == 200
    assert_error(response, 401, "UNAUTHORIZED")


async def test_revocation_reaches_second_replica(
    client: httpx.AsyncClient, second_replica: httpx.AsyncClient
) -> None:
    created = await create_key(client, scopes=["sessions"])
    headers = {"X-API-Key": created["key"]}
    # The second replica has the key in its lookup cache now.
    warm = await second_replica.get("/v1/sessions", headers=headers)
    assert warm.status_code == 200

    await client.delete(f"/v1/admin/api-keys/{created['id']}")
    started = time.monotonic()
    status = 200
    while status != 401 and time.monotonic() - started < 5:
        status = (await second_replica.get("/v1/sessions", headers=headers)).status_code
        await asyncio.sleep(0.01)
    elapsed = time.monotonic() - started

    assert status == 401
    assert elapsed < 1.0


async def test_last_used_recorded_in_batches(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_key(client, scopes=["sessions"])
    await anonymous.get("/v1/sessions", headers={"X-API-Key": created["key"]})
    before_flush = (await client.get("/v1/admin/api-keys")).json()["data"][0]

    await app.state.context.api_keys.flush_last_used()
    after_flush = (await client.get("/v1/admin/api-keys")).json()["data"][0]

    assert before_flush["lastUsedAt"] is None
    assert after_flush["lastUsedAt"] is not None


async def _required_scope(
    anonymous: httpx.AsyncClient, method: str, path: str, probes: dict[str, str]
) -> str:
    """Learn a route's scope from the 403 that a key with one other scope gets."""
    for key in probes.values():
        response = await anonymous.request(
            method, path, json={}, headers={"X-API-Key": key}
        )
        if response.status_code == 403:
            message: str = response.json()["error"]["message"]
            match = re.search(r"lacks the '([a-z]+)' scope", message)
            assert match, message
            return match.group(1)
    raise AssertionError(f"{method} {path} accepted keys with different scopes")


async def test_every_v1_route_rejects_key_without_scope(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    schema = (await anonymous.get("/openapi.json")).json()
    # Two keys with one scope each: any route that checks a scope rejects one.
    probes = {
        scope: (await create_key(client, scopes=[scope]))["key"]
        for scope in ("states", "queues")
    }
    lacking = {
        scope: (
            await create_key(
                client,
                scopes=[other for other in SCOPES if other not in (scope, "admin")],
            )
        )["key"]
        for scope in SCOPES
    }
    checked = 0

    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        concrete = path.replace("{", "").replace("}", "")
        for method in operations:
            scope = await _required_scope(anonymous, method.upper(), concrete, probes)
            response = await anonymous.request(
                method.upper(), concrete, json={}, headers={"X-API-Key": lacking[scope]}
            )

            assert scope in SCOPES, f"{method} {path}"
            assert_error(response, 403, "FORBIDDEN")
            checked += 1

    assert checked >= 15

"""Per-key request budgets: 429 with Retry-After, then room again."""

from __future__ import annotations

import asyncio

import httpx

from tests.integration.api.helpers import assert_error
from tests.integration.api.keys import create_key


async def test_burst_over_budget_rate_limited(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_key(
        client, scopes=["sessions"], rateLimit={"perMinute": 600, "burst": 5}
    )
    headers = {"X-API-Key": created["key"]}

    answers = [await anonymous.get("/v1/sessions", headers=headers) for _ in range(8)]
    statuses = [answer.status_code for answer in answers]

    assert statuses[:5] == [200] * 5
    assert 429 in statuses[5:]
    limited = next(answer for answer in answers if answer.status_code == 429)
    assert_error(limited, 429, "RATE_LIMITED")
    assert int(limited.headers["Retry-After"]) >= 1


async def test_request_after_retry_after_succeeds(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_key(
        client, scopes=["sessions"], rateLimit={"perMinute": 600, "burst": 2}
    )
    headers = {"X-API-Key": created["key"]}
    for _ in range(2):
        await anonymous.get("/v1/sessions", headers=headers)
    limited = await anonymous.get("/v1/sessions", headers=headers)
    assert limited.status_code == 429

    await asyncio.sleep(float(limited.headers["Retry-After"]) + 0.1)
    response = await anonymous.get("/v1/sessions", headers=headers)

    assert response.status_code == 200


async def test_budgets_are_per_key(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    tight = await create_key(
        client, scopes=["sessions"], rateLimit={"perMinute": 60, "burst": 1}
    )
    roomy = await create_key(client, scopes=["sessions"])
    await anonymous.get("/v1/sessions", headers={"X-API-Key": tight["key"]})

    limited = await anonymous.get("/v1/sessions", headers={"X-API-Key": tight["key"]})
    other = await anonymous.get("/v1/sessions", headers={"X-API-Key": roomy["key"]})

    assert limited.status_code == 429
    assert other.status_code == 200

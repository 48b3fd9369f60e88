"""Creating API keys through the admin routes, for the access tests."""

from __future__ import annotations

from typing import Any

import httpx


async def create_key(admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """Create a key with ``fields`` (camelCase) and return the answer's data."""
    body = {"name": "test key", **fields}
    response = await admin.post("/v1/admin/api-keys", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def with_key(client: httpx.AsyncClient, key: str) -> dict[str, str]:
    """Return request headers that authenticate with ``key`` instead."""
    del client
    return {"X-API-Key": key}

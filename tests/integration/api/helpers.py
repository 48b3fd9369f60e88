"""Assertions shared by the api tests."""

from __future__ import annotations

from typing import Any

import httpx

from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check that a response is the error envelope with ``status`` and ``code``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


async def queued_commands(infra: Infrastructure) -> int:
    """Return how many commands wait on the COMMANDS stream."""
    info = await infra.js.stream_info(subjects.COMMANDS_STREAM)
    return int(info.state.messages)


async def message_records(infra: Infrastructure) -> int:
    """Return how many message records exist."""
    return int(await infra.db["messages"].count_documents({}))

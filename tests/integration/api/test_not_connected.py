"""The 409 of a session that is not connected names the next step."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records
from wagate_common.infrastructure import Infrastructure

UNREACHABLE = "WhatsApp could not be reached: network is unreachable"
# Each route checks the session record before a worker request or a stored record.
REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/contacts/bot", None),
    ("GET", "/v1/groups/bot", None),
    (
        "POST",
        "/v1/messages/text?wait=true",
        {"sessionId": "bot", "to": "15550100002", "text": "x"},
    ),
]


async def session_in(
    client: httpx.AsyncClient, infra: Infrastructure, **fields: Any
) -> None:
    """Create the sandbox session ``bot`` and write ``fields`` as its worker would."""
    response = await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    assert response.status_code == 201, response.text
    await infra.db["sessions"].update_one({"_id": "bot"}, {"$set": fields})


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
async def test_reconnecting_session_names_last_error(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    await session_in(
        client,
        infra,
        status="disconnected",
        desiredStatus="connected",
        lastError=UNREACHABLE,
    )

    response = await client.request(method, path, json=body)

    error = assert_error(response, 409, "SESSION_NOT_CONNECTED")
    assert error["error"]["message"] == (
        f"session 'bot' is not connected (reconnecting after: {UNREACHABLE}); "
        "retry when its status is connected"
    )
    assert await message_records(infra) == 0


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"status": "connecting", "desiredStatus": "connected"},
            "session 'bot' is not connected (connecting); retry when its status "
            "is connected",
        ),
        (
            {"status": "created", "desiredStatus": "connected"},
            "session 'bot' is not connected (waiting for its worker to connect "
            "it); retry when its status is connected",
        ),
        (
            {"status": "qr", "desiredStatus": "connected"},
            "session 'bot' is qr, not connected; link the device with the QR "
            "code or pairing code, then retry",
        ),
        (
            {"status": "disconnected", "desiredStatus": "disconnected"},
            "session 'bot' is disconnected, not connected; connect it and retry",
        ),
        (
            {"status": "failed", "desiredStatus": "connected", "lastError": "x"},
            "session 'bot' is failed, not connected; connect it and retry",
        ),
    ],
)
async def test_not_connected_message_fits_status(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    fields: dict[str, str],
    expected: str,
) -> None:
    await session_in(client, infra, **fields)

    for method, path, body in REQUESTS:
        response = await client.request(method, path, json=body)

        error = assert_error(response, 409, "SESSION_NOT_CONNECTED")
        assert error["error"]["message"] == expected, path

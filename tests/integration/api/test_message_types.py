"""Location, contact, poll and text options: queued content, records, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error, message_records, queued_commands
from tests.integration.api.message_support import last_command, record_of
from wagate_common.infrastructure import Infrastructure


@pytest.fixture
async def session(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "bot", "driver": "sandbox"})
    return "bot"


def body_of(**fields: Any) -> dict[str, Any]:
    return {"sessionId": "bot", "to": "15550100002", **fields}


async def test_text_link_preview_reaches_command(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/text",
        json=body_of(text="see https://example.org", linkPreview=True),
    )

    assert response.status_code == 202
    content = (await last_command(infra, session))["content"]
    assert content["linkPreview"] is True
    record = await record_of(infra, response.json()["data"]["id"])
    assert record["content"] == content


async def test_location_queued(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/location",
        json=body_of(
            latitude=52.52, longitude=-13.405, name="Office", address="Main St 1"
        ),
    )

    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert data["type"] == "location"
    content = (await last_command(infra, session))["content"]
    assert content == {
        "kind": "location",
        "latitude": 52.52,
        "longitude": -13.405,
        "name": "Office",
        "address": "Main St 1",
        "replyTo": None,
        "forwarded": False,
    }
    assert (await record_of(infra, data["id"]))["content"] == content


async def test_contacts_normalized(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/contact",
        json=body_of(
            contacts=[
                {"name": "  Ada Lovelace ", "phone": "+1 (555) 010-0005"},
                {"name": "Bob", "phone": "15550100006@s.whatsapp.net"},
            ]
        ),
    )

    assert response.status_code == 202, response.text
    assert response.json()["data"]["type"] == "contact"
    content = (await last_command(infra, session))["content"]
    assert content["kind"] == "contacts"
    assert content["contacts"] == [
        {"name": "Ada Lovelace", "phone": "15550100005"},
        {"name": "Bob", "phone": "15550100006"},
    ]


async def test_poll_queued(
    client: httpx.AsyncClient, infra: Infrastructure, session: str
) -> None:
    response = await client.post(
        "/v1/messages/poll",
        json=body_of(
            question="Lunch?", options=[" Pizza", "Salad "], multipleAnswers=True
        ),
    )

    assert response.status_code == 202, response.text
    assert response.json()["data"]["type"] == "poll"
    content = (await last_command(infra, session))["content"]
    assert content == {
        "kind": "poll",
        "question": "Lunch?",
        "options": ["Pizza", "Salad"],
        "multipleAnswers": True,
    }


async def test_twelve_poll_options_accepted(
    client: httpx.AsyncClient, session: str
) -> None:
    options = [f"option {number}" for number in range(12)]

    response = await client.post(
        "/v1/messages/poll", json=body_of(question="Pick", options=options)
    )

    assert response.status_code == 202, response.text


BAD_BODIES: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("location", body_of(latitude=91, longitude=0), 400, "VALIDATION_ERROR", "latitude"),
    (
        "location",
        body_of(latitude=0, longitude=-181),
        400,
        "VALIDATION_ERROR",
        "longitude",
    ),
    ("location", body_of(latitude="x", longitude=0), 400, "VALIDATION_ERROR", "latitude"),
    ("location", body_of(longitude=0), 400, "VALIDATION_ERROR", "latitude"),
    (
        "location",
        body_of(latitude=0, longitude=0, name=""),
        400,
        "VALIDATION_ERROR",
        "name",
    ),
    ("location", body_of(to="x", latitude=0, longitude=0), 422, "INVALID_RECIPIENT", "x"),
    ("contact", body_of(contacts=[]), 400, "VALIDATION_ERROR", "contacts"),
    ("contact", body_of(), 400, "VALIDATION_ERROR", "contacts"),
    (
        "contact",
        body_of(contacts=[{"name": "A", "phone": "12"}]),
        400,
        "VALIDATION_ERROR",
        "contacts.0.phone",
    ),
    (
        "contact",
        body_of(contacts=[{"name": "A", "phone": "120363000000000001@g.us"}]),
        400,
        "VALIDATION_ERROR",
        "contacts.0.phone",
    ),
    (
        "contact",
        body_of(contacts=[{"name": "   ", "phone": "15550100005"}]),
        400,
        "VALIDATION_ERROR",
        "contacts.0.name",
    ),
    (
        "contact",
        body_of(contacts=[{"phone": "15550100005"}]),
        400,
        "VALIDATION_ERROR",
        "contacts.0.name",
    ),
    (
        "contact",
        body_of(contacts=[{"name": "A", "phone": "15550100005"}] * 51),
        400,
        "VALIDATION_ERROR",
        "contacts",
    ),
    ("poll", body_of(question="Q", options=["a"]), 400, "VALIDATION_ERROR", "options"),
    (
        "poll",
        body_of(question="Q", options=[str(n) for n in range(13)]),
        400,
        "VALIDATION_ERROR",
        "options",
    ),
    (
        "poll",
        body_of(question="Q", options=["a", "a "]),
        400,
        "VALIDATION_ERROR",
        "unique",
    ),
    ("poll", body_of(question="Q", options=["a", " "]), 400, "VALIDATION_ERROR", "blank"),
    (
        "poll",
        body_of(question=" ", options=["a", "b"]),
        400,
        "VALIDATION_ERROR",
        "question",
    ),
    ("poll", body_of(options=["a", "b"]), 400, "VALIDATION_ERROR", "question"),
    (
        "poll",
        body_of(question="Q", options=["a", "b" * 101]),
        400,
        "VALIDATION_ERROR",
        "options",
    ),
    (
        "poll",
        body_of(sessionId="ghost", question="Q", options=["a", "b"]),
        404,
        "SESSION_NOT_FOUND",
        "ghost",
    ),
]


@pytest.mark.parametrize(("route", "body", "status", "code", "named"), BAD_BODIES)
async def test_bad_body_changes_nothing(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    route: str,
    body: dict[str, Any],
    status: int,
    code: str,
    named: str,
) -> None:
    response = await client.post(f"/v1/messages/{route}", json=body)

    error = assert_error(response, status, code)
    assert named in error["error"]["message"]
    assert await message_records(infra) == 0
    assert await queued_commands(infra) == 0


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("location", body_of(latitude=1, longitude=2)),
        ("contact", body_of(contacts=[{"name": "A", "phone": "15550100005"}])),
        ("poll", body_of(question="Q", options=["a", "b"])),
    ],
)
async def test_wait_offline_session_conflicts(
    client: httpx.AsyncClient,
    infra: Infrastructure,
    session: str,
    route: str,
    body: dict[str, Any],
) -> None:
    response = await client.post(f"/v1/messages/{route}?wait=true", json=body)

    assert_error(response, 409, "SESSION_NOT_CONNECTED")
    assert await message_records(infra) == 0
    assert await queued_commands(infra) == 0

"""Groups routes against a stand-in worker on real NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.api.helpers import assert_error
from tests.integration.api.keys import create_key
from tests.integration.api.live_worker import LiveWorkers, create_sessions, failed, ok
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.sessions import SessionStatus
from wagate_common.settings import WagateSettings

GROUP = "120363000000000001@g.us"
OTHER_GROUP = "120363000000000002@g.us"
ALICE = "15550100002@s.whatsapp.net"
BOB = "15550100003@s.whatsapp.net"
CAROL = "15550100004@s.whatsapp.net"
HIDDEN = "123456789012345@lid"


def group(group_id: str = GROUP, subject: str = "Team") -> dict[str, Any]:
    return {
        "id": group_id,
        "subject": subject,
        "description": "Weekly plans",
        "owner": ALICE,
        "createdAt": "2026-01-02T03:04:05Z",
        "announce": False,
        "locked": True,
        "participants": [
            {"jid": ALICE, "admin": "superadmin", "phone": "15550100002"},
            {"jid": HIDDEN, "admin": None, "phone": "15550100003"},
        ],
    }


@pytest.fixture
def api_settings(settings: WagateSettings) -> ApiSettings:
    return ApiSettings(
        **settings.model_dump(),
        request_timeout_seconds=1.0,
        live_request_timeout_seconds=0.5,
    )


@pytest.fixture
async def workers(infra: Infrastructure) -> AsyncIterator[LiveWorkers]:
    started = LiveWorkers(infra)
    yield started
    await started.stop()


@pytest.fixture
async def session(client: httpx.AsyncClient, infra: Infrastructure) -> str:
    await create_sessions(client, infra, SessionStatus.CONNECTED)
    return "bot"


async def test_list_pages_by_id(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    groups = [group(OTHER_GROUP, "Second"), group(GROUP, "First")]
    worker = await workers.serve("groups.list", ok({"groups": groups}))

    first = await client.get(f"/v1/groups/{session}", params={"limit": 1})
    second = await client.get(
        f"/v1/groups/{session}", params={"limit": 1, "cursor": GROUP}
    )

    assert first.status_code == 200, first.text
    assert first.json()["data"] == [group(GROUP, "First")]
    assert first.json()["page"] == {"next": GROUP, "limit": 1}
    assert second.json()["data"] == [group(OTHER_GROUP, "Second")]
    assert second.json()["page"] == {"next": None, "limit": 1}
    assert worker.requests == [{}, {}]


async def test_get_accepts_id_without_server(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.get", ok(group()))

    bare = await client.get(f"/v1/groups/{session}/120363000000000001")
    full = await client.get(f"/v1/groups/{session}/{GROUP}")
    legacy = await client.get(f"/v1/groups/{session}/15550100002-1600000000")

    assert bare.status_code == 200, bare.text
    assert bare.json()["data"] == group()
    assert full.status_code == 200, full.text
    assert legacy.status_code == 200, legacy.text
    assert worker.requests == [
        {"group": GROUP},
        {"group": GROUP},
        {"group": "15550100002-1600000000@g.us"},
    ]


async def test_invalid_group_id_is_rejected(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    getting = await workers.serve("groups.get", ok(group()))
    inviting = await workers.serve("groups.invite", ok({"link": "x"}))
    changing = await workers.serve("groups.participants", ok({"results": []}))

    for value in ("team", "12", ALICE, "120363000000000001@example.com"):
        responses = [
            await client.get(f"/v1/groups/{session}/{value}"),
            await client.patch(f"/v1/groups/{session}/{value}", json={"locked": True}),
            await client.get(f"/v1/groups/{session}/{value}/invite"),
            await client.post(
                f"/v1/groups/{session}/{value}/participants",
                json={"action": "add", "participants": [BOB]},
            ),
        ]
        for response in responses:
            body = assert_error(response, 400, "VALIDATION_ERROR")
            assert body["error"]["details"]["fields"][0]["field"] == "groupId"
    assert getting.requests == []
    assert inviting.requests == []
    assert changing.requests == []


async def test_group_not_found_passes_through(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    message = f"group '{GROUP}' was not found"
    await workers.serve("groups.get", failed(404, "GROUP_NOT_FOUND", message))

    response = await client.get(f"/v1/groups/{session}/{GROUP}")

    body = assert_error(response, 404, "GROUP_NOT_FOUND")
    assert body["error"]["message"] == message


async def test_create_normalizes_participants(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.create", ok(group(subject="New team")))

    response = await client.post(
        f"/v1/groups/{session}",
        json={
            "subject": "  New team ",
            "participants": ["+1 555 010 0003", HIDDEN, "15550100003@c.us"],
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["data"] == group(subject="New team")
    assert worker.requests == [{"subject": "New team", "participants": [BOB, HIDDEN]}]


async def test_create_rejects_invalid_body(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.create", ok(group()))
    bodies: list[tuple[dict[str, Any], str]] = [
        ({"subject": "Team", "participants": [BOB, "nobody", GROUP]}, "participants.1"),
        ({"subject": "   ", "participants": [BOB]}, "subject"),
        ({"subject": "x" * 101, "participants": [BOB]}, "subject"),
        ({"subject": "Team", "participants": []}, "participants"),
        ({"participants": [BOB]}, "subject"),
    ]

    for body, field in bodies:
        response = await client.post(f"/v1/groups/{session}", json=body)

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert error["error"]["details"]["fields"][0]["field"] == field, body
    assert worker.requests == []


async def test_create_lists_every_invalid_participant(
    client: httpx.AsyncClient, session: str
) -> None:
    response = await client.post(
        f"/v1/groups/{session}",
        json={"subject": "Team", "participants": ["x", BOB, GROUP]},
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    fields = body["error"]["details"]["fields"]
    assert [field["field"] for field in fields] == ["participants.0", "participants.2"]
    assert "not a user JID" in fields[1]["message"]


async def test_update_sends_only_given_fields(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.update", ok(group(subject="Renamed")))

    response = await client.patch(
        f"/v1/groups/{session}/120363000000000001",
        json={"subject": "Renamed", "description": "", "announce": True},
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["subject"] == "Renamed"
    assert worker.requests == [
        {
            "group": GROUP,
            "subject": "Renamed",
            "description": "",
            "announce": True,
            "locked": None,
        }
    ]


async def test_update_needs_a_field(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.update", ok(group()))

    for body in ({}, {"subject": None, "locked": None}, {"subject": ""}):
        response = await client.patch(f"/v1/groups/{session}/{GROUP}", json=body)
        assert_error(response, 400, "VALIDATION_ERROR")
    too_long = await client.patch(
        f"/v1/groups/{session}/{GROUP}", json={"description": "x" * 2049}
    )

    assert_error(too_long, 400, "VALIDATION_ERROR")
    assert worker.requests == []


async def test_participants_one_row_per_entry(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    results = [
        {"jid": BOB, "ok": True, "error": None},
        {"jid": CAROL, "ok": False, "error": "not allowed to add this person"},
    ]
    worker = await workers.serve("groups.participants", ok({"results": results}))
    entries = ["+1 555 010 0003", "bob", CAROL, "15550100003", GROUP]

    response = await client.post(
        f"/v1/groups/{session}/{GROUP}/participants",
        json={"action": "add", "participants": entries},
    )

    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert [row["input"] for row in rows] == entries
    assert rows[0] == {"input": entries[0], "jid": BOB, "ok": True, "error": None}
    assert rows[1]["jid"] is None
    assert rows[1]["ok"] is False
    assert "'bob' is neither a phone number nor a user JID" in rows[1]["error"]
    assert rows[2] == {
        "input": CAROL,
        "jid": CAROL,
        "ok": False,
        "error": "not allowed to add this person",
    }
    # A second entry for the same JID shares the outcome of the first.
    assert rows[3] == {"input": "15550100003", "jid": BOB, "ok": True, "error": None}
    assert rows[4]["ok"] is False
    assert "not a user JID" in rows[4]["error"]
    assert worker.requests == [
        {"group": GROUP, "action": "add", "participants": [BOB, CAROL]}
    ]


async def test_participants_matched_by_jid(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    # The worker reorders its rows and leaves one participant out.
    results = [
        {"jid": CAROL, "ok": True, "error": None},
        {"jid": ALICE, "ok": False, "error": "not an admin"},
    ]
    await workers.serve("groups.participants", ok({"results": results}))

    response = await client.post(
        f"/v1/groups/{session}/{GROUP}/participants",
        json={"action": "demote", "participants": [ALICE, BOB, CAROL]},
    )

    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert rows[0]["ok"] is False
    assert rows[0]["error"] == "not an admin"
    assert rows[1]["ok"] is False
    assert rows[1]["error"] == "the worker returned no result for this participant"
    assert rows[2]["ok"] is True


async def test_participants_all_invalid_is_rejected(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.participants", ok({"results": []}))

    response = await client.post(
        f"/v1/groups/{session}/{GROUP}/participants",
        json={"action": "remove", "participants": ["bob", OTHER_GROUP]},
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    fields = body["error"]["details"]["fields"]
    assert [field["field"] for field in fields] == ["participants.0", "participants.1"]
    assert worker.requests == []


async def test_participants_reject_bad_body(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.participants", ok({"results": []}))
    bodies: list[dict[str, Any]] = [
        {"action": "ban", "participants": [BOB]},
        {"action": "add", "participants": []},
        {"action": "add", "participants": [BOB] * 257},
        {"action": "add", "participants": [15550100003]},
        {"participants": [BOB]},
    ]

    for body in bodies:
        response = await client.post(
            f"/v1/groups/{session}/{GROUP}/participants", json=body
        )
        assert_error(response, 400, "VALIDATION_ERROR")
    assert worker.requests == []


async def test_invite_link_and_revoke(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    link = "https://chat.whatsapp.com/AbCdEf"
    worker = await workers.serve("groups.invite", ok({"link": link}))

    current = await client.get(f"/v1/groups/{session}/120363000000000001/invite")
    revoked = await client.delete(f"/v1/groups/{session}/{GROUP}/invite")

    assert current.status_code == 200, current.text
    assert current.json()["data"] == {"link": link}
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["data"] == {"link": link}
    assert worker.requests == [
        {"group": GROUP, "reset": False},
        {"group": GROUP, "reset": True},
    ]


async def test_disconnected_session_conflicts_at_once(
    client: httpx.AsyncClient, infra: Infrastructure, workers: LiveWorkers
) -> None:
    await create_sessions(client, infra, SessionStatus.QR)
    worker = await workers.serve("groups.list", ok({"groups": []}))

    responses = [
        await client.get("/v1/groups/bot"),
        await client.post("/v1/groups/bot", json={"subject": "T", "participants": [BOB]}),
        await client.get(f"/v1/groups/bot/{GROUP}"),
        await client.patch(f"/v1/groups/bot/{GROUP}", json={"locked": False}),
        await client.post(
            f"/v1/groups/bot/{GROUP}/participants",
            json={"action": "add", "participants": [BOB]},
        ),
        await client.get(f"/v1/groups/bot/{GROUP}/invite"),
        await client.delete(f"/v1/groups/bot/{GROUP}/invite"),
    ]

    for response in responses:
        body = assert_error(response, 409, "SESSION_NOT_CONNECTED")
        assert "is qr, not connected" in body["error"]["message"]
    assert worker.requests == []


async def test_worker_errors_pass_through(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    await workers.serve(
        "groups.list", failed(409, "SESSION_NOT_CONNECTED", "session 'bot' is offline")
    )
    await workers.serve(
        "groups.invite", failed(403, "FORBIDDEN", "the account is not a group admin")
    )
    await workers.serve(
        "groups.participants", failed(404, "GROUP_NOT_FOUND", "no such group")
    )

    listing = await client.get(f"/v1/groups/{session}")
    invite = await client.get(f"/v1/groups/{session}/{GROUP}/invite")
    participants = await client.post(
        f"/v1/groups/{session}/{GROUP}/participants",
        json={"action": "add", "participants": [BOB]},
    )

    assert assert_error(listing, 409, "SESSION_NOT_CONNECTED")["error"]["message"] == (
        "session 'bot' is offline"
    )
    assert_error(invite, 403, "FORBIDDEN")
    assert_error(participants, 404, "GROUP_NOT_FOUND")


async def test_no_worker_times_out(client: httpx.AsyncClient, session: str) -> None:
    responses = [
        await client.get(f"/v1/groups/{session}"),
        await client.post(
            f"/v1/groups/{session}", json={"subject": "T", "participants": [BOB]}
        ),
        await client.get(f"/v1/groups/{session}/{GROUP}"),
        await client.delete(f"/v1/groups/{session}/{GROUP}/invite"),
    ]

    for response in responses:
        assert_error(response, 504, "WORKER_TIMEOUT")


async def test_silent_worker_times_out(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.update", None)

    response = await client.patch(f"/v1/groups/{session}/{GROUP}", json={"locked": True})

    assert_error(response, 504, "WORKER_TIMEOUT")
    assert len(worker.requests) == 1


async def test_wrong_scope_forbidden(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, session: str
) -> None:
    key = (await create_key(client, scopes=["contacts", "sessions"]))["key"]
    headers = {"X-API-Key": key}

    responses = [
        await anonymous.get(f"/v1/groups/{session}", headers=headers),
        await anonymous.get(f"/v1/groups/{session}/{GROUP}", headers=headers),
        await anonymous.post(
            f"/v1/groups/{session}/{GROUP}/participants",
            json={"action": "add", "participants": [BOB]},
            headers=headers,
        ),
        await anonymous.delete(f"/v1/groups/{session}/{GROUP}/invite", headers=headers),
    ]

    for response in responses:
        body = assert_error(response, 403, "FORBIDDEN")
        assert "'groups' scope" in body["error"]["message"]


async def test_bound_key_sees_only_its_sessions(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    session: str,
    workers: LiveWorkers,
) -> None:
    worker = await workers.serve("groups.get", ok(group()))
    other = (await create_key(client, scopes=["groups"], sessionIds=["other"]))["key"]
    own = (await create_key(client, scopes=["groups"], sessionIds=[session]))["key"]

    hidden = await anonymous.get(
        f"/v1/groups/{session}/{GROUP}", headers={"X-API-Key": other}
    )
    hidden_change = await anonymous.post(
        f"/v1/groups/{session}/{GROUP}/participants",
        json={"action": "add", "participants": [BOB]},
        headers={"X-API-Key": other},
    )
    visible = await anonymous.get(
        f"/v1/groups/{session}/{GROUP}", headers={"X-API-Key": own}
    )

    assert_error(hidden, 404, "SESSION_NOT_FOUND")
    assert_error(hidden_change, 404, "SESSION_NOT_FOUND")
    assert visible.status_code == 200, visible.text
    assert len(worker.requests) == 1


async def test_unknown_session_not_found(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("groups.list", ok({"groups": []}), "nobody")

    responses = [
        await client.get("/v1/groups/nobody"),
        await client.post(
            "/v1/groups/nobody", json={"subject": "T", "participants": [BOB]}
        ),
        await client.get(f"/v1/groups/nobody/{GROUP}/invite"),
    ]

    for response in responses:
        assert_error(response, 404, "SESSION_NOT_FOUND")
    assert worker.requests == []

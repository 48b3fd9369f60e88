"""Contacts routes against a stand-in worker on real NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.api.helpers import assert_error
from tests.integration.api.keys import create_key
from tests.integration.api.live_worker import LiveWorkers, create_sessions, failed, ok
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.sessions import SessionStatus
from wagate_common.settings import WagateSettings

ALICE = "15550100002@s.whatsapp.net"
BOB = "15550100003@s.whatsapp.net"
CAROL = "15550100004@s.whatsapp.net"


def contact(jid: str, name: str | None = None) -> dict[str, str | None]:
    return {
        "jid": jid,
        "phone": jid.split("@")[0],
        "name": name,
        "pushName": f"push {name}",
        "businessName": None,
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


async def test_list_pages_by_jid(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    contacts = [contact(CAROL, "Carol"), contact(ALICE, "Alice"), contact(BOB, "Bob")]
    worker = await workers.serve("contacts.list", ok({"contacts": contacts}))

    first = await client.get(f"/v1/contacts/{session}", params={"limit": 2})
    second = await client.get(
        f"/v1/contacts/{session}", params={"limit": 2, "cursor": BOB}
    )

    assert first.status_code == 200, first.text
    assert first.json()["data"] == [contact(ALICE, "Alice"), contact(BOB, "Bob")]
    assert first.json()["page"] == {"next": BOB, "limit": 2}
    assert second.json()["data"] == [contact(CAROL, "Carol")]
    assert second.json()["page"] == {"next": None, "limit": 2}
    assert worker.requests == [{}, {}]


async def test_list_rejects_bad_limit(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("contacts.list", ok({"contacts": []}))

    response = await client.get(f"/v1/contacts/{session}", params={"limit": 501})

    assert_error(response, 400, "VALIDATION_ERROR")
    assert worker.requests == []


async def test_get_normalizes_phone(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    detail = {
        **contact(ALICE, "Alice"),
        "onWhatsApp": True,
        "profilePictureUrl": "https://pps.example/alice.jpg",
    }
    worker = await workers.serve("contacts.get", ok(detail))

    response = await client.get(f"/v1/contacts/{session}/+1 (555) 010-0002")

    assert response.status_code == 200, response.text
    assert response.json()["data"] == detail
    assert worker.requests == [{"jid": ALICE}]


async def test_get_accepts_jid_forms(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve(
        "contacts.get",
        ok({"jid": ALICE, "onWhatsApp": True, "profilePictureUrl": None}),
    )

    for value in ("15550100002@c.us", "15550100002:3@s.whatsapp.net", "0015550100002"):
        response = await client.get(f"/v1/contacts/{session}/{value}")
        assert response.status_code == 200, response.text
    hidden = await client.get(f"/v1/contacts/{session}/123456789012345@lid")

    assert hidden.status_code == 200, hidden.text
    assert worker.requests == [
        {"jid": ALICE},
        {"jid": ALICE},
        {"jid": ALICE},
        {"jid": "123456789012345@lid"},
    ]
    assert response.json()["data"]["phone"] is None


async def test_get_rejects_non_contact_ids(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("contacts.get", ok({"jid": ALICE, "onWhatsApp": True}))

    for value in ("alice", "12345", "120363000000000001@g.us", "1@example.com"):
        response = await client.get(f"/v1/contacts/{session}/{value}")

        body = assert_error(response, 400, "VALIDATION_ERROR")
        assert body["error"]["details"]["fields"][0]["field"] == "jid"
    assert worker.requests == []


async def test_get_contact_not_found_passes_through(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    message = f"contact '{ALICE}' was not found"
    await workers.serve("contacts.get", failed(404, "CONTACT_NOT_FOUND", message))

    response = await client.get(f"/v1/contacts/{session}/{ALICE}")

    body = assert_error(response, 404, "CONTACT_NOT_FOUND")
    assert body["error"]["message"] == message


async def test_check_one_row_per_phone(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    results = [
        {"phone": "15550100002", "onWhatsApp": True, "jid": ALICE},
        {"phone": "15550100000", "onWhatsApp": False, "jid": None},
    ]
    worker = await workers.serve("contacts.check", ok({"results": results}))
    phones = ["+1 555 010 0002", "not a phone", "15550100000", "0015550100002", "12"]

    response = await client.post(f"/v1/contacts/{session}/check", json={"phones": phones})

    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert [row["phone"] for row in rows] == phones
    assert rows[0] == {
        "phone": "+1 555 010 0002",
        "onWhatsApp": True,
        "jid": ALICE,
        "error": None,
    }
    assert rows[1]["onWhatsApp"] is False
    assert rows[1]["jid"] is None
    assert "'not a phone' is not a phone number" in rows[1]["error"]
    assert rows[2] == {
        "phone": "15550100000",
        "onWhatsApp": False,
        "jid": None,
        "error": None,
    }
    assert rows[3]["jid"] == ALICE
    assert rows[3]["error"] is None
    assert rows[4]["onWhatsApp"] is False
    assert rows[4]["error"] is not None
    # Malformed numbers are not sent, and a number written twice is sent once.
    assert worker.requests == [{"phones": ["15550100002", "15550100000"]}]


async def test_check_matches_rows_by_phone(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    # Rows come back in another order, and one number has no row at all.
    results = [
        {"phone": "15550100004", "onWhatsApp": True, "jid": CAROL},
        {"phone": "15550100002", "onWhatsApp": True, "jid": ALICE},
    ]
    await workers.serve("contacts.check", ok({"results": results}))
    phones = ["15550100002", "15550100003", "15550100004"]

    response = await client.post(f"/v1/contacts/{session}/check", json={"phones": phones})

    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert rows[0]["jid"] == ALICE
    assert rows[1]["onWhatsApp"] is False
    assert rows[1]["error"] == "the worker returned no result for this number"
    assert rows[2]["jid"] == CAROL


async def test_check_all_invalid_is_rejected(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("contacts.check", ok({"results": []}))

    response = await client.post(
        f"/v1/contacts/{session}/check", json={"phones": ["abc", "+12"]}
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    fields = body["error"]["details"]["fields"]
    assert [field["field"] for field in fields] == ["phones.0", "phones.1"]
    assert worker.requests == []


async def test_check_validates_list_size(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("contacts.check", ok({"results": []}))
    too_many = [f"1555010{index:04d}" for index in range(101)]

    for phones in ([], too_many):
        response = await client.post(
            f"/v1/contacts/{session}/check", json={"phones": phones}
        )
        assert_error(response, 400, "VALIDATION_ERROR")
    missing = await client.post(f"/v1/contacts/{session}/check", json={})

    assert_error(missing, 400, "VALIDATION_ERROR")
    assert worker.requests == []


async def test_disconnected_session_conflicts_at_once(
    client: httpx.AsyncClient, infra: Infrastructure, workers: LiveWorkers
) -> None:
    await create_sessions(client, infra, SessionStatus.DISCONNECTED)
    listing = await workers.serve("contacts.list", ok({"contacts": []}))
    checking = await workers.serve("contacts.check", ok({"results": []}))

    responses = [
        await client.get("/v1/contacts/bot"),
        await client.get(f"/v1/contacts/bot/{ALICE}"),
        await client.post("/v1/contacts/bot/check", json={"phones": ["15550100002"]}),
    ]

    for response in responses:
        body = assert_error(response, 409, "SESSION_NOT_CONNECTED")
        assert "disconnected" in body["error"]["message"]
    assert listing.requests == []
    assert checking.requests == []


async def test_worker_conflict_passes_through(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    message = "session 'bot' is not connected"
    await workers.serve("contacts.list", failed(409, "SESSION_NOT_CONNECTED", message))

    response = await client.get(f"/v1/contacts/{session}")

    body = assert_error(response, 409, "SESSION_NOT_CONNECTED")
    assert body["error"]["message"] == message


async def test_no_worker_times_out(client: httpx.AsyncClient, session: str) -> None:
    listing = await client.get(f"/v1/contacts/{session}")
    detail = await client.get(f"/v1/contacts/{session}/{ALICE}")
    check = await client.post(
        f"/v1/contacts/{session}/check", json={"phones": ["15550100002"]}
    )

    assert_error(listing, 504, "WORKER_TIMEOUT")
    assert_error(detail, 504, "WORKER_TIMEOUT")
    assert_error(check, 504, "WORKER_TIMEOUT")


async def test_silent_worker_times_out(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("contacts.check", None)

    response = await client.post(
        f"/v1/contacts/{session}/check", json={"phones": ["15550100002"]}
    )

    assert_error(response, 504, "WORKER_TIMEOUT")
    assert worker.requests == [{"phones": ["15550100002"]}]


async def test_wrong_scope_forbidden(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, session: str
) -> None:
    key = (await create_key(client, scopes=["groups", "messages"]))["key"]
    headers = {"X-API-Key": key}

    responses = [
        await anonymous.get(f"/v1/contacts/{session}", headers=headers),
        await anonymous.get(f"/v1/contacts/{session}/{ALICE}", headers=headers),
        await anonymous.post(
            f"/v1/contacts/{session}/check",
            json={"phones": ["15550100002"]},
            headers=headers,
        ),
    ]

    for response in responses:
        body = assert_error(response, 403, "FORBIDDEN")
        assert "'contacts' scope" in body["error"]["message"]


async def test_bound_key_sees_only_its_sessions(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    session: str,
    workers: LiveWorkers,
) -> None:
    worker = await workers.serve("contacts.list", ok({"contacts": [contact(ALICE)]}))
    other = (await create_key(client, scopes=["contacts"], sessionIds=["other"]))["key"]
    own = (await create_key(client, scopes=["contacts"], sessionIds=[session]))["key"]

    hidden = await anonymous.get(f"/v1/contacts/{session}", headers={"X-API-Key": other})
    hidden_check = await anonymous.post(
        f"/v1/contacts/{session}/check",
        json={"phones": ["15550100002"]},
        headers={"X-API-Key": other},
    )
    visible = await anonymous.get(f"/v1/contacts/{session}", headers={"X-API-Key": own})

    assert_error(hidden, 404, "SESSION_NOT_FOUND")
    assert_error(hidden_check, 404, "SESSION_NOT_FOUND")
    assert visible.status_code == 200, visible.text
    assert len(worker.requests) == 1


async def test_unknown_session_not_found(
    client: httpx.AsyncClient, session: str, workers: LiveWorkers
) -> None:
    worker = await workers.serve("contacts.list", ok({"contacts": []}), "nobody")

    responses = [
        await client.get("/v1/contacts/nobody"),
        await client.get(f"/v1/contacts/nobody/{ALICE}"),
        await client.post("/v1/contacts/nobody/check", json={"phones": ["15550100002"]}),
    ]

    for response in responses:
        assert_error(response, 404, "SESSION_NOT_FOUND")
    assert worker.requests == []

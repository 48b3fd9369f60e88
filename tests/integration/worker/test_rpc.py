"""Live requests over core NATS, answered by the worker that runs the session."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import nats.errors
import pytest

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    SHARDS,
    create_session,
    wait_for_status,
    wait_until,
)
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.replies import Reply
from wagate_common.schemas.rpc import RpcOperation
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.shards import shard_of
from wagate_common.storage.auth import AuthStore
from wagate_common.storage.received import ReceivedRepository
from wagate_worker.app import WorkerService
from wagate_worker.drivers.base import (
    Contact,
    DriverRequestError,
    GroupInfo,
    GroupParticipant,
    MessageReceived,
    ReceivedContent,
    ReceivedMedia,
)

PHONE = "15550100001"
ALICE = "15550100002@s.whatsapp.net"
BOB = "15550100003@s.whatsapp.net"
GROUP = "120363000000001@g.us"
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


async def connected_worker(
    infra: Infrastructure, start_worker: WorkerFactory, session_id: str = "s1"
) -> WorkerService:
    await AuthStore(infra.db).save(session_id, PHONE.encode())
    await create_session(infra, session_id, desired=DesiredStatus.CONNECTED)
    worker = await start_worker()
    await wait_for_status(infra, session_id, "connected")
    return worker


async def request(
    infra: Infrastructure,
    operation: RpcOperation,
    body: dict[str, Any] | bytes | None = None,
    session_id: str = "s1",
) -> Reply:
    """Send a live request as the api does and return the worker's reply."""
    subject = subjects.rpc(shard_of(session_id, SHARDS), session_id, operation)
    payload = body if isinstance(body, bytes) else _json(body or {})
    message = await infra.nats.request(subject, payload, timeout=5)
    return Reply.model_validate_json(message.data)


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def script_network(network: ScriptedNetwork) -> None:
    network.contacts[ALICE] = Contact(
        jid=ALICE, phone="15550100002", name="Alice", push_name="Al"
    )
    network.on_whatsapp["15550100002"] = ALICE
    network.on_whatsapp["15550100003"] = BOB
    network.pictures[ALICE] = "https://pps.example/alice.jpg"
    network.groups[GROUP] = GroupInfo(
        id=GROUP,
        subject="Team",
        description="Our team",
        owner=ALICE,
        created_at=CREATED,
        announce=False,
        locked=True,
        participants=[
            GroupParticipant(ALICE, admin="superadmin", phone="15550100002"),
            GroupParticipant(BOB),
        ],
    )


def ok_data(reply: Reply) -> dict[str, Any]:
    assert reply.error is None, reply.error
    assert reply.ok
    return reply.data


# Round trips of each operation.


async def test_contacts_list(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    data = ok_data(await request(infra, RpcOperation.CONTACTS_LIST))

    assert data == {
        "contacts": [
            {
                "jid": ALICE,
                "phone": "15550100002",
                "name": "Alice",
                "pushName": "Al",
                "businessName": None,
            }
        ]
    }


async def test_contacts_get_known(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    data = ok_data(await request(infra, RpcOperation.CONTACTS_GET, {"jid": ALICE}))

    assert data["jid"] == ALICE
    assert data["name"] == "Alice"
    assert data["onWhatsApp"] is True
    assert data["profilePictureUrl"] == "https://pps.example/alice.jpg"
    assert [c.arguments for c in network.calls_of("check_phones")] == [(["15550100002"],)]


async def test_contacts_get_unknown_on_whatsapp(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    data = ok_data(await request(infra, RpcOperation.CONTACTS_GET, {"jid": BOB}))

    assert data["jid"] == BOB
    assert data["phone"] == "15550100003"
    assert data["name"] is None
    assert data["onWhatsApp"] is True
    assert data["profilePictureUrl"] is None


async def test_contacts_get_unknown_not_found(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    jid = "15550109999@s.whatsapp.net"
    reply = await request(infra, RpcOperation.CONTACTS_GET, {"jid": jid})

    assert not reply.ok
    assert reply.error is not None
    assert reply.error.status == 404
    assert reply.error.code == "CONTACT_NOT_FOUND"


async def test_contacts_check(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    body = {"phones": ["15550100002", "15550109999"]}
    data = ok_data(await request(infra, RpcOperation.CONTACTS_CHECK, body))

    assert data == {
        "results": [
            {"phone": "15550100002", "onWhatsApp": True, "jid": ALICE},
            {"phone": "15550109999", "onWhatsApp": False, "jid": None},
        ]
    }


async def test_groups_list_and_get(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    listed = ok_data(await request(infra, RpcOperation.GROUPS_LIST))
    group = ok_data(await request(infra, RpcOperation.GROUPS_GET, {"group": GROUP}))

    assert listed == {"groups": [group]}
    assert group == {
        "id": GROUP,
        "subject": "Team",
        "description": "Our team",
        "owner": ALICE,
        "createdAt": "2026-01-02T03:04:05Z",
        "announce": False,
        "locked": True,
        "participants": [
            {"jid": ALICE, "admin": "superadmin", "phone": "15550100002"},
            {"jid": BOB, "admin": None, "phone": None},
        ],
    }


async def test_groups_get_unknown_passes_driver_error(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    reply = await request(infra, RpcOperation.GROUPS_GET, {"group": GROUP})

    assert reply.error is not None
    assert reply.error.status == 404
    assert reply.error.code == "GROUP_NOT_FOUND"
    assert reply.error.message == f"group '{GROUP}' was not found"


async def test_groups_create(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    body = {"subject": "New", "participants": [ALICE, BOB]}
    data = ok_data(await request(infra, RpcOperation.GROUPS_CREATE, body))

    assert data["subject"] == "New"
    assert [p["jid"] for p in data["participants"]] == [ALICE, BOB]
    assert data["id"] in network.groups


async def test_groups_update(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    body = {"group": GROUP, "subject": "Renamed", "announce": True}
    data = ok_data(await request(infra, RpcOperation.GROUPS_UPDATE, body))
    [call] = network.calls_of("update_group")

    assert data["subject"] == "Renamed"
    assert data["announce"] is True
    assert data["description"] == "Our team"
    assert call.arguments == (GROUP, "Renamed", None, True, None)


async def test_groups_participants(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    newcomer = "15550100004@s.whatsapp.net"
    body = {"group": GROUP, "action": "add", "participants": [newcomer, BOB]}
    data = ok_data(await request(infra, RpcOperation.GROUPS_PARTICIPANTS, body))

    assert data == {
        "results": [
            {"jid": newcomer, "ok": True, "error": None},
            {"jid": BOB, "ok": False, "error": "already in the group"},
        ]
    }


async def test_groups_invite(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)

    first = ok_data(await request(infra, RpcOperation.GROUPS_INVITE, {"group": GROUP}))
    same = ok_data(await request(infra, RpcOperation.GROUPS_INVITE, {"group": GROUP}))
    body = {"group": GROUP, "reset": True}
    reset = ok_data(await request(infra, RpcOperation.GROUPS_INVITE, body))

    assert first["link"].startswith("https://chat.whatsapp.com/")
    assert same == first
    assert reset != first


async def test_chat_read(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    body = {"chat": GROUP, "waMessageIds": ["WA1", "WA2"], "sender": ALICE}
    data = ok_data(await request(infra, RpcOperation.CHAT_READ, body))
    [call] = network.calls_of("mark_read")

    assert data == {}
    assert call.arguments == (GROUP, ALICE, ["WA1", "WA2"])


async def test_chat_presence(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    body = {"chat": ALICE, "state": "typing"}
    data = ok_data(await request(infra, RpcOperation.CHAT_PRESENCE, body))
    [call] = network.calls_of("send_presence")

    assert data == {}
    assert call.arguments == (ALICE, "typing")


# Media downloads.


async def receive_media(network: ScriptedNetwork, wa_message_id: str, url: str) -> None:
    media = ReceivedMedia(
        mimetype="image/jpeg", size=4, filename="pic.jpg", download={"url": url}
    )
    event = MessageReceived(
        wa_message_id=wa_message_id,
        chat=ALICE,
        sender=ALICE,
        timestamp=CREATED,
        content=ReceivedContent(type="image", media=media),
    )
    await network.drivers["s1"].receive(event)


async def test_media_download_puts_object(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)
    network.media["https://mmg.example/1"] = b"JPEG"
    await receive_media(network, "WA-IN-1", "https://mmg.example/1")

    body = {"waMessageId": "WA-IN-1"}
    data = ok_data(await request(infra, RpcOperation.MEDIA_DOWNLOAD, body))
    store = await infra.js.object_store(subjects.MEDIA_BUCKET)
    stored = await store.get("in/s1/WA-IN-1")

    assert data == {
        "objectName": "in/s1/WA-IN-1",
        "mimetype": "image/jpeg",
        "size": 4,
        "filename": "pic.jpg",
    }
    assert stored.data == b"JPEG"
    [call] = network.calls_of("download_media")
    assert call.arguments == ({"url": "https://mmg.example/1"},)


async def test_media_download_unknown_message(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    body = {"waMessageId": "WA-NEVER"}
    reply = await request(infra, RpcOperation.MEDIA_DOWNLOAD, body)

    assert reply.error is not None
    assert reply.error.status == 404
    assert reply.error.code == "NOT_FOUND"
    assert network.calls_of("download_media") == []


async def test_media_download_message_without_media(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)
    await ReceivedRepository(infra.db, 30).record(
        "s1",
        "WA-TEXT",
        chat=ALICE,
        sender=ALICE,
        from_me=False,
        message_type="text",
        received_at=CREATED,
        data={"type": "text", "media": None},
    )

    reply = await request(infra, RpcOperation.MEDIA_DOWNLOAD, {"waMessageId": "WA-TEXT"})

    assert reply.error is not None
    assert reply.error.status == 404
    assert "has no media" in reply.error.message


# Errors.


async def test_session_not_running_409(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await start_worker()

    reply = await request(infra, RpcOperation.CONTACTS_LIST, session_id="nobody")

    assert reply.error is not None
    assert reply.error.status == 409
    assert reply.error.code == "SESSION_NOT_CONNECTED"
    assert network.calls == []


async def test_session_not_connected_409(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    # Without auth data the session shows a QR code and is not connected.
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)
    worker = await start_worker()
    await wait_for_status(infra, "s1", "qr")

    reply = await request(infra, RpcOperation.CONTACTS_LIST)

    assert worker.sessions.get("s1") is not None
    assert reply.error is not None
    assert reply.error.status == 409
    assert reply.error.code == "SESSION_NOT_CONNECTED"
    assert network.calls == []


async def test_invalid_body_400(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    missing = await request(infra, RpcOperation.GROUPS_GET, {})
    wrong = await request(
        infra, RpcOperation.CHAT_PRESENCE, {"chat": ALICE, "state": "dancing"}
    )
    garbage = await request(infra, RpcOperation.CONTACTS_CHECK, b"not json")

    for reply in (missing, wrong, garbage):
        assert reply.error is not None
        assert reply.error.status == 400
        assert reply.error.code == "VALIDATION_ERROR"
    assert missing.error is not None
    assert "group" in missing.error.message
    assert network.calls == []


async def test_unknown_operation_404(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    subject = f"wagate.rpc.{shard_of('s1', SHARDS)}.s1.contacts.delete"
    message = await infra.nats.request(subject, b"{}", timeout=5)
    reply = Reply.model_validate_json(message.data)

    assert reply.error is not None
    assert reply.error.status == 404
    assert reply.error.code == "NOT_FOUND"


async def test_driver_error_passes_through(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)
    network.request_failures["update_participants"] = DriverRequestError(
        403, "FORBIDDEN", "the account is not an admin of the group"
    )

    body = {"group": GROUP, "action": "remove", "participants": [BOB]}
    reply = await request(infra, RpcOperation.GROUPS_PARTICIPANTS, body)

    assert reply.error is not None
    assert reply.error.status == 403
    assert reply.error.code == "FORBIDDEN"
    assert reply.error.message == "the account is not an admin of the group"


async def test_driver_crash_500_generic(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)
    network.request_failures["list_contacts"] = RuntimeError("secret internals")

    reply = await request(infra, RpcOperation.CONTACTS_LIST)

    assert reply.error is not None
    assert reply.error.status == 500
    assert reply.error.code == "INTERNAL_ERROR"
    assert "secret" not in reply.error.message


async def test_slow_request_blocks_no_other(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    script_network(network)
    await connected_worker(infra, start_worker)
    gate = network.request_gates["get_group"] = asyncio.Event()

    slow = asyncio.create_task(request(infra, RpcOperation.GROUPS_GET, {"group": GROUP}))
    await wait_until(lambda: network.calls_of("get_group"))
    # Same shard, same session: answered while the group call still waits.
    fast = await request(infra, RpcOperation.CONTACTS_LIST)
    assert not slow.done()
    gate.set()
    slowed = await slow

    assert fast.ok
    assert slowed.ok
    assert slowed.data["id"] == GROUP


async def test_unsubscribed_after_shard_released(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    worker = await connected_worker(infra, start_worker)
    shard = shard_of("s1", SHARDS)
    assert shard in worker.rpc.shards

    # Releasing every lease runs each shard's stop, but not the service's close.
    await worker.shards.stop(grace_seconds=5.0)

    assert worker.rpc.shards == frozenset()
    subject = subjects.rpc(shard, "s1", RpcOperation.CONTACTS_LIST)
    with pytest.raises(nats.errors.NoRespondersError):
        await infra.nats.request(subject, b"{}", timeout=5)


async def test_publish_without_reply_ignored(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)
    shard = shard_of("s1", SHARDS)

    body = _json({"chat": ALICE, "waMessageIds": ["WA1"]})
    await infra.nats.publish(subjects.rpc(shard, "s1", RpcOperation.CHAT_READ), body)
    # The subscription takes messages in order, so this request comes after it.
    after = await request(
        infra, RpcOperation.CHAT_PRESENCE, {"chat": ALICE, "state": "typing"}
    )

    assert after.ok
    assert network.calls_of("mark_read") == []

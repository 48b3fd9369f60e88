"""Session lifecycle: connect, QR, drops, logout, reconcile on claim."""

from __future__ import annotations

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    create_session,
    message_record,
    publish_command,
    queue_text,
    session_events,
    session_record,
    wait_for_events,
    wait_for_message_status,
    wait_for_record,
    wait_for_status,
    wait_until,
)
from wagate_common.ids import isoformat
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import (
    ConnectCommand,
    DisconnectCommand,
    LogoutCommand,
)
from wagate_common.schemas.events import EventType
from wagate_common.schemas.sessions import DesiredStatus, Driver
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.registry import WHATSAPP_UNAVAILABLE

PHONE = "15550100001"


async def connect(
    infra: Infrastructure, session_id: str, phone: str | None = None
) -> None:
    """Ask for a connection as ``POST /v1/sessions/:id/connect`` does."""
    await create_session(infra, session_id, desired=DesiredStatus.CONNECTED)
    await publish_command(
        infra, ConnectCommand(session_id=session_id, pairing_phone=phone)
    )


async def test_connect_command_connects_session(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await start_worker()

    await connect(infra, "s1")
    record = await wait_for_status(infra, "s1", "connected")
    [event] = await wait_for_events(
        infra, "s1", EventType.SESSION_STATUS, lambda e: e.data["status"] == "connected"
    )

    assert record["worker"] == "worker-a"
    assert record["me"] == {
        "jid": f"{PHONE}@s.whatsapp.net",
        "phone": PHONE,
        "pushName": "Tester",
    }
    assert record["lastError"] is None
    assert event.data == {
        "status": "connected",
        "previousStatus": "connecting",
        "me": record["me"],
        "lastError": None,
    }


async def test_qr_code_updates_session_record(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await start_worker()

    await connect(infra, "s1")
    waiting = await wait_for_status(infra, "s1", "qr")
    [qr_event] = await wait_for_events(infra, "s1", EventType.SESSION_QR)
    await network.drivers["s1"].pair(PHONE)
    paired = await wait_for_status(infra, "s1", "connected")

    assert waiting["qr"]["code"] == "qr-1"
    assert qr_event.data["code"] == "qr-1"
    assert qr_event.data["expiresAt"] == isoformat(waiting["qr"]["expiresAt"])
    assert paired["qr"] is None
    assert paired["me"]["phone"] == PHONE
    assert await AuthStore(infra.db).load("s1") == PHONE.encode()


async def test_pairing_code_shown_in_status_event(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await start_worker()

    await connect(infra, "s1", phone=PHONE)
    record = await wait_for_status(infra, "s1", "pairing")
    [event] = await wait_for_events(
        infra, "s1", EventType.SESSION_STATUS, lambda e: e.data["status"] == "pairing"
    )

    assert record["pairingCode"] == "ABCD1234"
    assert record["qr"] is None
    assert event.data["pairingCode"] == "ABCD1234"


async def test_pairing_phone_replaces_qr_code(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await start_worker()
    await connect(infra, "s1")
    await wait_for_status(infra, "s1", "qr")

    await publish_command(infra, ConnectCommand(session_id="s1", pairing_phone=PHONE))
    record = await wait_for_status(infra, "s1", "pairing")

    assert record["pairingCode"] == "ABCD1234"
    assert record["qr"] is None
    assert network.connects["s1"] == 2


async def test_unexpected_drop_reconnects(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await start_worker()
    await connect(infra, "s1")
    await wait_for_status(infra, "s1", "connected")

    await network.drivers["s1"].drop()
    await wait_until(lambda: network.connects["s1"] == 2)
    await wait_for_status(infra, "s1", "connected")
    statuses = [
        event.data["status"]
        for event in await session_events(infra, "s1", EventType.SESSION_STATUS)
    ]
    dropped = [
        event
        for event in await session_events(infra, "s1", EventType.SESSION_STATUS)
        if event.data["status"] == "disconnected"
    ]

    assert statuses == [
        "connecting",
        "connected",
        "disconnected",
        "connecting",
        "connected",
    ]
    assert dropped[0].data["lastError"] == "connection reset"


async def test_disconnect_command_stays_disconnected(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await start_worker()
    await connect(infra, "s1")
    await wait_for_status(infra, "s1", "connected")

    await publish_command(infra, DisconnectCommand(session_id="s1"))
    record = await wait_for_status(infra, "s1", "disconnected")

    assert record["lastError"] is None
    assert network.connects["s1"] == 1
    assert await AuthStore(infra.db).load("s1") == PHONE.encode()


async def test_phone_unlink_logs_session_out(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("s1", PHONE.encode())
    await start_worker()
    await connect(infra, "s1")
    await wait_for_status(infra, "s1", "connected")

    await network.drivers["s1"].unlink()
    record = await wait_for_status(infra, "s1", "logged_out")

    assert record["me"] is None
    assert record["lastError"] == "unlinked from the phone"
    assert await AuthStore(infra.db).load("s1") is None
    assert network.connects["s1"] == 1


async def test_logout_command_closes_runtime(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await create_session(infra, "s1", desired=DesiredStatus.CONNECTED)
    worker = await start_worker()
    await wait_for_status(infra, "s1", "qr")
    held = await queue_text(infra, "s1", "waits for a scan")
    await wait_until(lambda: worker.sessions.get("s1") is not None)
    await wait_until(lambda: worker.sessions.get("s1").held_sends == 1)  # type: ignore[union-attr]

    # The api purges queued commands, queues the logout and deletes the record.
    await publish_command(infra, LogoutCommand(session_id="s1", driver=Driver.SANDBOX))
    await wait_until(lambda: worker.sessions.get("s1") is None)
    failed = await wait_for_message_status(infra, held.message_id, "failed")

    assert network.logouts == ["s1"]
    assert await AuthStore(infra.db).load("s1") is None
    assert failed["error"] == "the session was deleted before the message was sent"
    assert (await session_record(infra, "s1"))["status"] == "logged_out"


async def test_logout_of_deleted_session_unlinks_device(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("gone", PHONE.encode())
    worker = await start_worker()

    await publish_command(infra, LogoutCommand(session_id="gone", driver=Driver.SANDBOX))
    await wait_until(lambda: network.logouts == ["gone"])
    await wait_until(lambda: worker.sessions.get("gone") is None)

    assert await AuthStore(infra.db).load("gone") is None


async def test_claimed_shard_reconnects_desired_sessions(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await AuthStore(infra.db).save("wanted", PHONE.encode())
    # Both records were left live by a worker that died.
    await create_session(
        infra,
        "wanted",
        desired=DesiredStatus.CONNECTED,
        status="connected",
        worker="dead",
    )
    await create_session(infra, "idle", status="connected", worker="dead")

    await start_worker()
    await wait_for_record(infra, "wanted", status="connected", worker="worker-a")
    idle = await wait_for_status(infra, "idle", "disconnected")

    assert network.connects["wanted"] == 1
    assert idle["worker"] is None
    assert "idle" not in network.connects


async def test_logged_out_session_not_reconnected_on_claim(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await create_session(
        infra, "unlinked", desired=DesiredStatus.CONNECTED, status="logged_out"
    )
    await start_worker()

    assert "unlinked" not in network.connects
    assert (await session_record(infra, "unlinked"))["status"] == "logged_out"


async def test_whatsapp_session_fails_without_driver(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await create_session(infra, "wa", driver=Driver.WHATSAPP)
    await start_worker()

    await publish_command(infra, ConnectCommand(session_id="wa"))
    record = await wait_for_status(infra, "wa", "failed")
    held = await queue_text(infra, "wa", "cannot go out")
    failed = await wait_for_message_status(infra, held.message_id, "failed")

    assert record["lastError"] == WHATSAPP_UNAVAILABLE
    assert failed["error"] == f"the session is failed: {WHATSAPP_UNAVAILABLE}"
    assert (await message_record(infra, held.message_id))["waMessageId"] is None

"""The real WhatsApp driver in a real worker, with WhatsApp out of reach.

The test machines cannot reach WhatsApp, so every connection attempt of these
tests fails; they check that the worker reports it and keeps running.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import cast

from nats.aio.client import Client
from neonize.aioze.client import NewAClient
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from tests.integration.worker.conftest import TEST_TIMERS
from tests.integration.worker.support import (
    RECIPIENT,
    create_session,
    queue_text,
    session_record,
    wait_for_events,
    wait_for_message_status,
    wait_for_status,
    wait_until,
)
from tests.unit.worker.whatsapp.fakes import (
    FakeGo,
    RecordingListener,
    device,
    fake_client_factory,
    feed,
    feed_qr,
)
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.events import EventType
from wagate_common.schemas.replies import Reply
from wagate_common.schemas.rpc import RpcOperation
from wagate_common.schemas.sessions import DesiredStatus, Driver
from wagate_common.settings import WagateSettings
from wagate_common.shards import shard_of
from wagate_common.storage.auth import AuthStore
from wagate_worker.app import WorkerService
from wagate_worker.drivers.base import Disconnected, DriverListener, SessionDriver
from wagate_worker.drivers.registry import DriverRegistry, default_driver_registry
from wagate_worker.drivers.whatsapp import WhatsAppDriver, WhatsAppOptions
from wagate_worker.drivers.whatsapp.store import DeviceStore
from wagate_worker.settings import WorkerSettings

# Either the name lookup or the connection fails at once, or no server replies
# and the driver's connect deadline ends the attempt.
UNREACHABLE_REASONS = ("WhatsApp could not be reached", "WhatsApp did not answer")


def options(data_dir: Path) -> WhatsAppOptions:
    return WhatsAppOptions(
        data_dir=data_dir, connect_seconds=3.0, pairing_seconds=10.0, executor_threads=32
    )


async def test_unreachable_whatsapp_reported_and_retried(
    settings: WagateSettings, infra: Infrastructure, tmp_path: Path
) -> None:
    worker_settings = WorkerSettings(
        **settings.model_dump(),
        worker_id="worker-wa",
        data_dir=tmp_path,
        whatsapp_connect_seconds=3.0,
        **TEST_TIMERS,
    )
    service = WorkerService(
        worker_settings, infra, drivers=default_driver_registry(worker_settings)
    )
    await create_session(
        infra, "wa1", desired=DesiredStatus.CONNECTED, driver=Driver.WHATSAPP
    )

    await service.start()
    try:
        await wait_until(lambda: len(service.shards.active) == worker_settings.shards)

        async def reported_unreachable() -> bool:
            record = await session_record(infra, "wa1")
            error = record.get("lastError") or ""
            return record["status"] == "disconnected" and error.startswith(
                UNREACHABLE_REASONS
            )

        await wait_until(reported_unreachable)
        record = await session_record(infra, "wa1")
        assert record["worker"] == "worker-wa"
        assert record["desiredStatus"] == "connected"
        assert (tmp_path / "whatsapp" / "wa1.sqlite").exists()
        assert (await service.readiness())["leases"] == "ok"
    finally:
        async with asyncio.timeout(15):
            await service.stop()

    record = await session_record(infra, "wa1")
    assert record["status"] == "disconnected"


async def test_store_round_trip_through_mongodb(
    infra: Infrastructure, tmp_path: Path
) -> None:
    auth = AuthStore(infra.db)
    listener = RecordingListener()
    driver = WhatsAppDriver("s1", auth, listener, options(tmp_path))
    # A failed connection attempt still makes whatsmeow create its store.
    await driver.connect(None)
    await listener.wait_for(Disconnected)
    with sqlite3.connect(driver.store_path) as database:
        database.execute(
            "INSERT INTO whatsmeow_lid_map (lid, pn) VALUES ('123456789012345', "
            "'15550100001')"
        )
    database.close()
    store = DeviceStore(tmp_path, "s1", auth)

    await store.save()
    saved = cast(bytes, await auth.load("s1"))
    driver.store_path.unlink()
    restored = await store.restore()

    assert restored
    assert driver.store_path.read_bytes() == saved
    with sqlite3.connect(driver.store_path) as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
        rows = database.execute("SELECT lid, pn FROM whatsmeow_lid_map").fetchall()
    database.close()
    assert "whatsmeow_device" in tables
    assert rows == [("123456789012345", "15550100001")]


async def test_restore_keeps_existing_local_store(
    infra: Infrastructure, tmp_path: Path
) -> None:
    auth = AuthStore(infra.db)
    await auth.save("s1", b"SQLite format 3\x00from mongodb")
    store = DeviceStore(tmp_path, "s1", auth)
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"local")

    restored = await store.restore()

    assert not restored
    assert store.path.read_bytes() == b"local"


async def test_delete_drops_local_and_stored_copy(
    infra: Infrastructure, tmp_path: Path
) -> None:
    auth = AuthStore(infra.db)
    await auth.save("s1", b"SQLite format 3\x00from mongodb")
    store = DeviceStore(tmp_path, "s1", auth)
    await store.restore()

    await store.delete()

    assert not store.path.exists()
    assert await auth.load("s1") is None


async def test_paired_session_runs_on_fake_go_library(
    settings: WagateSettings, infra: Infrastructure, tmp_path: Path
) -> None:
    go = FakeGo()
    clients: list[NewAClient] = []

    def create_driver(
        session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
    ) -> SessionDriver:
        factory = fake_client_factory(go, clients)
        return WhatsAppDriver(
            session_id, auth, listener, options(tmp_path), client_factory=factory
        )

    worker_settings = WorkerSettings(
        **settings.model_dump(), worker_id="worker-wa", **TEST_TIMERS
    )
    registry = DriverRegistry({Driver.WHATSAPP.value: create_driver})
    service = WorkerService(worker_settings, infra, drivers=registry)
    await create_session(
        infra, "wa2", desired=DesiredStatus.CONNECTED, driver=Driver.WHATSAPP
    )
    await service.start()
    try:
        await wait_until(lambda: clients)
        feed_qr(clients[-1], "2@qr-code")
        waiting = await wait_for_status(infra, "wa2", "qr")

        feed(
            clients[-1],
            neonize.Device(
                JID=neonize.JID(User="15550100001", Server="s.whatsapp.net", Device=4),
                PushName="Shop",
            ),
        )
        feed(clients[-1], neonize.Connected(status=True))
        connected = await wait_for_status(infra, "wa2", "connected")

        command = await queue_text(infra, "wa2", "Your order shipped")
        sent = await wait_for_message_status(infra, command.message_id, "sent")

        receipt_source = neonize.MessageSource(
            Chat=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
            Sender=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
        )
        feed(
            clients[-1],
            neonize.Receipt(
                MessageSource=receipt_source,
                MessageIDs=["3EB0SENT"],
                Timestamp=1_772_600_800,
                Type=neonize.Receipt.READ,
            ),
        )
        read = await wait_for_message_status(infra, command.message_id, "read")

        incoming_source = neonize.MessageSource(
            Chat=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
            Sender=neonize.JID(User="987654321012345", Server="lid"),
            SenderAlt=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
        )
        info = neonize.MessageInfo(
            MessageSource=incoming_source,
            ID="3EB0IN",
            Pushname="Ana",
            Timestamp=1_772_600_900_000,
        )
        body = wa_e2e.Message(conversation="Thanks!")
        feed(clients[-1], neonize.Message(Info=info, Message=body))
        [received] = await wait_for_events(infra, "wa2", EventType.MESSAGE_RECEIVED)
    finally:
        async with asyncio.timeout(15):
            await service.stop()

    assert waiting["qr"]["code"] == "2@qr-code"
    assert connected["me"] == {
        "jid": "15550100001@s.whatsapp.net",
        "phone": "15550100001",
        "pushName": "Shop",
    }
    assert sent["waMessageId"] == "3EB0SENT"
    recipient, message = go.sent[0]
    assert f"{recipient.User}@{recipient.Server}" == RECIPIENT
    assert message.conversation == "Your order shipped"
    assert read["status"] == "read"
    assert received.data["from"] == "987654321012345@lid"
    assert received.data["fromPhone"] == "15550100002@s.whatsapp.net"
    assert received.data["text"] == "Thanks!"
    assert received.data["timestamp"] == "2026-03-04T05:08:20.000Z"
    assert "Stop" in go.calls


async def test_received_image_downloaded_and_group_request_answered(
    settings: WagateSettings, infra: Infrastructure, tmp_path: Path
) -> None:
    go = FakeGo()
    go.replies["DownloadAny"] = neonize.DownloadReturnFunction(Binary=b"JPEG bytes")
    go.errors["GetGroupInfo"] = "group not found"
    clients: list[NewAClient] = []

    def create_driver(
        session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
    ) -> SessionDriver:
        factory = fake_client_factory(go, clients)
        return WhatsAppDriver(
            session_id, auth, listener, options(tmp_path), client_factory=factory
        )

    worker_settings = WorkerSettings(
        **settings.model_dump(), worker_id="worker-wa", **TEST_TIMERS
    )
    registry = DriverRegistry({Driver.WHATSAPP.value: create_driver})
    service = WorkerService(worker_settings, infra, drivers=registry)
    await create_session(
        infra, "wa3", desired=DesiredStatus.CONNECTED, driver=Driver.WHATSAPP
    )
    await service.start()
    try:
        await wait_until(lambda: clients)
        feed(clients[-1], device())
        feed(clients[-1], neonize.Connected(status=True))
        await wait_for_status(infra, "wa3", "connected")

        image = wa_e2e.ImageMessage(
            URL="https://mmg.whatsapp.net/v/t62/a.enc",
            directPath="/v/t62/a.enc",
            mediaKey=b"k" * 32,
            fileEncSHA256=b"e" * 32,
            fileSHA256=b"s" * 32,
            fileLength=10,
            mimetype="image/jpeg",
            caption="the receipt",
        )
        source = neonize.MessageSource(
            Chat=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
            Sender=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
        )
        info = neonize.MessageInfo(
            MessageSource=source, ID="3EB0IMG", Timestamp=1_772_600_900_000
        )
        feed(
            clients[-1],
            neonize.Message(Info=info, Message=wa_e2e.Message(imageMessage=image)),
        )
        [received] = await wait_for_events(infra, "wa3", EventType.MESSAGE_RECEIVED)

        shard = shard_of("wa3", worker_settings.shards)
        download = await infra.nats.request(
            subjects.rpc(shard, "wa3", RpcOperation.MEDIA_DOWNLOAD),
            json.dumps({"waMessageId": "3EB0IMG"}).encode(),
            timeout=5,
        )
        group = await infra.nats.request(
            subjects.rpc(shard, "wa3", RpcOperation.GROUPS_GET),
            json.dumps({"group": "120363012345678901@g.us"}).encode(),
            timeout=5,
        )
        store = await infra.js.object_store(subjects.MEDIA_BUCKET)
        stored = await store.get("in/wa3/3EB0IMG")
    finally:
        async with asyncio.timeout(15):
            await service.stop()

    assert received.data["type"] == "image"
    assert received.data["caption"] == "the receipt"
    assert received.data["media"]["sha256"] == (b"s" * 32).hex()
    assert "download" not in received.data["media"]
    download_reply = Reply.model_validate_json(download.data)
    assert download_reply.error is None
    assert stored.data == b"JPEG bytes"
    [(_, arguments)] = [r for r in go.requests if r[0] == "DownloadAny"]
    assert arguments["message"].imageMessage.directPath == "/v/t62/a.enc"
    group_reply = Reply.model_validate_json(group.data)
    assert group_reply.error is not None
    assert (group_reply.error.status, group_reply.error.code) == (404, "GROUP_NOT_FOUND")

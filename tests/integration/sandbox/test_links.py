"""Unlinking, dropped connections, offline devices and sandbox restarts."""

from __future__ import annotations

import asyncio

import nats

from tests.integration.sandbox.conftest import DeviceFactory, SandboxFactory
from tests.integration.sandbox.support import (
    RecordingListener,
    ask_api,
    assert_reply_error,
    pair_by_qr,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import TextContent
from wagate_common.settings import WagateSettings
from wagate_common.storage.auth import AuthStore
from wagate_sandbox.app import SandboxService
from wagate_worker.drivers.base import (
    Connected,
    Disconnected,
    DriverEvent,
    LoggedOut,
    MessageReceived,
    QrChanged,
)
from wagate_worker.drivers.sandbox import SandboxDriver

PHONE = "15550100001"
CONTACT = "15550100002"


async def send_from_contact(infra: Infrastructure, session_id: str, text: str) -> bool:
    """Have the contact write to the session; return whether the message was queued."""
    reply = await ask_api(
        infra.nats, "message", {"sessionId": session_id, "from": CONTACT, "text": text}
    )
    assert reply.ok, reply.error
    queued: bool = reply.data["queued"]
    return queued


async def test_phone_logout_logs_out_and_drops_auth(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("unlinked")
    await pair_by_qr(infra.nats, device, PHONE)

    reply = await ask_api(infra.nats, "logout", {"sessionId": "unlinked"})
    logged_out = await device.listener.wait_for(LoggedOut)

    assert reply.data == {
        "sessionId": "unlinked",
        "state": "logged_out",
        "notified": True,
    }
    assert "unlinked" in logged_out.reason
    assert await AuthStore(infra.db).load("unlinked") is None
    assert device.driver.state == "idle"


async def test_connect_after_phone_logout_pairs_again(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("relink")
    await pair_by_qr(infra.nats, device, PHONE)
    await ask_api(infra.nats, "logout", {"sessionId": "relink"})
    await device.listener.wait_for(LoggedOut)

    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged, 2)

    assert device.driver.state == "pairing"
    assert len(device.listener.of_type(Connected)) == 1


async def test_driver_logout_unlinks_the_session(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("leaving")
    await pair_by_qr(infra.nats, device, PHONE)

    await device.driver.logout()
    reply = await ask_api(
        infra.nats, "message", {"sessionId": "leaving", "from": CONTACT, "text": "hi"}
    )

    assert isinstance(device.listener.events[-1], LoggedOut)
    assert await AuthStore(infra.db).load("leaving") is None
    assert_reply_error(reply, 409, "SANDBOX_CONFLICT")


async def test_drop_gives_unexpected_disconnect(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("dropped")
    await pair_by_qr(infra.nats, device, PHONE)

    reply = await ask_api(infra.nats, "drop", {"sessionId": "dropped"})
    disconnected = await device.listener.wait_for(Disconnected)

    assert reply.data == {"sessionId": "dropped", "state": "dropped", "notified": True}
    assert disconnected.expected is False
    assert device.driver.state == "idle"
    assert await AuthStore(infra.db).load("dropped") is not None


async def test_reconnect_after_drop_needs_no_qr(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("bounced")
    await pair_by_qr(infra.nats, device, PHONE)
    await ask_api(infra.nats, "drop", {"sessionId": "bounced"})
    await device.listener.wait_for(Disconnected)

    await device.driver.connect(None)
    await device.listener.wait_for(Connected, 2)

    assert len(device.listener.of_type(QrChanged)) == 1
    assert device.driver.state == "connected"


async def test_drop_refused_when_not_connected(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("resting")
    await pair_by_qr(infra.nats, device, PHONE)
    await device.driver.disconnect()

    reply = await ask_api(infra.nats, "drop", {"sessionId": "resting"})

    assert_reply_error(reply, 409, "SESSION_NOT_CONNECTED")


async def test_messages_while_offline_arrive_on_reconnect(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("away")
    await pair_by_qr(infra.nats, device, PHONE)
    await device.driver.disconnect()

    queued = [await send_from_contact(infra, "away", text) for text in ("one", "two")]
    await device.driver.connect(None)
    await device.listener.wait_for(MessageReceived, 2)

    assert queued == [True, True]
    after_reconnect = device.listener.events[-3:]
    assert isinstance(after_reconnect[0], Connected)
    assert [event.text for event in device.listener.of_type(MessageReceived)] == [
        "one",
        "two",
    ]
    assert await send_from_contact(infra, "away", "three") is False


async def test_push_to_crashed_worker_is_kept(
    infra: Infrastructure, settings: WagateSettings, make_device: DeviceFactory
) -> None:
    worker_connection = await nats.connect(settings.nats_url)
    listener = RecordingListener()
    crashed = SandboxDriver("crashing", worker_connection, AuthStore(infra.db), listener)
    await crashed.connect(None)
    await listener.wait_for(QrChanged)
    await ask_api(infra.nats, "pair", {"sessionId": "crashing", "phone": PHONE})
    await listener.wait_for(Connected)
    await worker_connection.close()

    queued = await send_from_contact(infra, "crashing", "while you were out")
    successor = make_device("crashing")
    await successor.driver.connect(None)
    received = await successor.listener.wait_for(MessageReceived)

    assert queued is True
    assert received.text == "while you were out"
    assert successor.listener.of_type(QrChanged) == []


async def test_state_survives_restart(
    infra: Infrastructure,
    sandbox: SandboxService,
    start_sandbox: SandboxFactory,
    make_device: DeviceFactory,
) -> None:
    device = make_device("durable")
    await pair_by_qr(infra.nats, device, PHONE)
    sent = await device.driver.send_text("msg_kept", CONTACT, TextContent(text="kept"))
    await device.driver.disconnect()
    await sandbox.stop()
    await start_sandbox()

    await device.driver.connect(None)
    await device.listener.wait_for(Connected, 2)
    inbox = await ask_api(infra.nats, "inbox", {"phone": CONTACT})

    assert [item["id"] for item in inbox.data["messages"]] == [sent.wa_message_id]
    assert len(device.listener.of_type(QrChanged)) == 1


async def test_restart_drops_devices_left_pairing(
    infra: Infrastructure,
    sandbox: SandboxService,
    start_sandbox: SandboxFactory,
    make_device: DeviceFactory,
) -> None:
    device = make_device("waiting")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    await sandbox.stop()
    await start_sandbox()
    disconnected = await device.listener.wait_for(Disconnected)

    assert disconnected.expected is False
    assert device.driver.state == "idle"


class SlowListener(RecordingListener):
    """Takes longer than the sandbox's push timeout over the first message."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self._delay = delay

    async def on_driver_event(self, event: DriverEvent) -> None:
        if isinstance(event, MessageReceived) and not self.of_type(MessageReceived):
            await asyncio.sleep(self._delay)
        await super().on_driver_event(event)


async def test_late_ack_drops_then_redelivers(
    infra: Infrastructure, sandbox: SandboxService
) -> None:
    listener = SlowListener(delay=1.0)
    driver = SandboxDriver("slow", infra.nats, AuthStore(infra.db), listener)
    await driver.connect(None)
    await listener.wait_for(QrChanged)
    await ask_api(infra.nats, "pair", {"sessionId": "slow", "phone": PHONE})
    await listener.wait_for(Connected)

    queued = await send_from_contact(infra, "slow", "are you there?")
    disconnected = await listener.wait_for(Disconnected)
    await driver.connect(None)
    await listener.wait_for(Connected, 2)
    redelivered = await listener.wait_for(MessageReceived, 2)
    first = listener.of_type(MessageReceived)[0]

    assert queued is True
    assert disconnected.expected is False
    assert redelivered.wa_message_id == first.wa_message_id
    assert redelivered.text == "are you there?"
    await driver.disconnect()

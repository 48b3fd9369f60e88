"""Pairing a sandbox device by QR or pairing code, and reconnecting with its token."""

from __future__ import annotations

from tests.integration.sandbox.conftest import DeviceFactory, SandboxFactory
from tests.integration.sandbox.support import (
    RecordingListener,
    ask_api,
    assert_reply_error,
    pair_by_qr,
)
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.sessions import Account
from wagate_common.storage.auth import AuthStore
from wagate_sandbox.app import SandboxService
from wagate_sandbox.identifiers import PAIRING_CODE_ALPHABET
from wagate_worker.drivers.base import (
    Connected,
    Disconnected,
    Failed,
    LoggedOut,
    PairingCodeIssued,
    QrChanged,
)
from wagate_worker.drivers.sandbox import SandboxDriver, StoredAuth


async def test_qr_codes_rotate_then_pairing_fails(
    infra: Infrastructure, start_sandbox: SandboxFactory
) -> None:
    await start_sandbox(qr_seconds=0.2, qr_rotations=3)
    listener = RecordingListener()
    driver = SandboxDriver("rotating", infra.nats, AuthStore(infra.db), listener)

    await driver.connect(None)
    failed = await listener.wait_for(Failed)

    codes = listener.of_type(QrChanged)
    assert len(codes) == 3
    assert len({qr.code for qr in codes}) == 3
    assert all(qr.code.startswith("2@") for qr in codes)
    assert codes[0].expires_at < codes[1].expires_at < codes[2].expires_at
    assert listener.events[-1] is failed
    assert "timed out" in failed.reason
    assert driver.state == "idle"


async def test_pair_refused_after_pairing_timeout(
    infra: Infrastructure, start_sandbox: SandboxFactory
) -> None:
    await start_sandbox(qr_seconds=0.1, qr_rotations=1)
    listener = RecordingListener()
    driver = SandboxDriver("expired", infra.nats, AuthStore(infra.db), listener)
    await driver.connect(None)
    await listener.wait_for(Failed)

    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "expired", "phone": "15550100002"}
    )

    assert_reply_error(reply, 409, "SANDBOX_CONFLICT")


async def test_pair_by_qr_connects_and_stores_token(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("by-qr")

    connected = await pair_by_qr(infra.nats, device, "+1 555 010 0002", "Alice")

    assert connected.account == Account(
        jid="15550100002@s.whatsapp.net", phone="15550100002", push_name="Alice"
    )
    assert device.driver.state == "connected"
    stored = await AuthStore(infra.db).load("by-qr")
    assert stored is not None
    auth = StoredAuth.from_bytes(stored)
    assert auth.account == connected.account
    assert len(auth.token) >= 32


async def test_pair_reply_names_the_account(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("pair-reply")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "pair-reply", "phone": "+44 20 7946 0958"}
    )

    assert reply.ok
    assert reply.data == {
        "sessionId": "pair-reply",
        "me": {
            "jid": "442079460958@s.whatsapp.net",
            "phone": "442079460958",
            "pushName": None,
        },
    }
    await device.listener.wait_for(Connected)


async def test_pair_by_pairing_code(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("by-code")

    await device.driver.connect("15550100003")
    issued = await device.listener.wait_for(PairingCodeIssued)
    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "by-code", "phone": "+15550100003"}
    )
    connected = await device.listener.wait_for(Connected)

    assert reply.ok, reply.error
    assert len(issued.code) == 8
    assert set(issued.code) <= set(PAIRING_CODE_ALPHABET)
    assert connected.account.phone == "15550100003"
    assert device.listener.of_type(QrChanged) == []


async def test_pairing_code_refuses_other_phone(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("code-other")
    await device.driver.connect("15550100003")
    await device.listener.wait_for(PairingCodeIssued)

    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "code-other", "phone": "15550100004"}
    )

    message = assert_reply_error(reply, 409, "SANDBOX_CONFLICT")
    assert "another phone" in message
    assert device.driver.state == "pairing"


async def test_pair_refused_when_not_pairing(
    infra: Infrastructure, sandbox: SandboxService
) -> None:
    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "never-seen", "phone": "15550100002"}
    )

    message = assert_reply_error(reply, 409, "SANDBOX_CONFLICT")
    assert "not waiting for a QR scan" in message


async def test_pair_refused_when_already_paired(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("paired-twice")
    await pair_by_qr(infra.nats, device, "15550100002")

    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "paired-twice", "phone": "15550100005"}
    )

    assert_reply_error(reply, 409, "SANDBOX_CONFLICT")


async def test_reconnect_with_stored_token_skips_qr(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    first = make_device("returning")
    await pair_by_qr(infra.nats, first, "15550100002")
    await first.driver.disconnect()
    disconnected = await first.listener.wait_for(Disconnected)
    second = make_device("returning")

    await second.driver.connect(None)
    connected = await second.listener.wait_for(Connected)

    assert disconnected.expected is True
    assert connected.account.phone == "15550100002"
    assert second.listener.of_type(QrChanged) == []
    assert second.driver.state == "connected"


async def test_revoked_token_logs_out_and_drops_auth(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    auth = AuthStore(infra.db)
    account = Account(jid="15550100002@s.whatsapp.net", phone="15550100002")
    await auth.save("revoked", StoredAuth("not-a-real-token", account).to_bytes())
    device = make_device("revoked")

    await device.driver.connect(None)
    logged_out = await device.listener.wait_for(LoggedOut)

    assert "pair again" in logged_out.reason
    assert await auth.load("revoked") is None
    assert device.driver.state == "idle"
    assert device.listener.of_type(QrChanged) == []


async def test_unreadable_auth_data_starts_pairing(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    auth = AuthStore(infra.db)
    await auth.save("garbled", b"\x00not json")
    device = make_device("garbled")

    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    assert await auth.load("garbled") is None
    assert device.driver.state == "pairing"


async def test_disconnect_while_pairing_stops_codes(
    infra: Infrastructure, make_device: DeviceFactory
) -> None:
    device = make_device("pairing-stop")
    await device.driver.connect(None)
    await device.listener.wait_for(QrChanged)

    await device.driver.disconnect()
    reply = await ask_api(
        infra.nats, "pair", {"sessionId": "pairing-stop", "phone": "15550100002"}
    )

    assert_reply_error(reply, 409, "SANDBOX_CONFLICT")
    assert device.listener.of_type(Disconnected)[-1].expected is True

"""Pairing, disconnecting, logging out, drops and unlinking, for every driver."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest

from tests.contract.harness import (
    PUSH_NAME,
    SESSION_JID,
    SESSION_PHONE,
    DriverHarness,
    pair,
)
from wagate_common.schemas.sessions import Account
from wagate_worker.drivers.base import (
    Connected,
    Disconnected,
    Failed,
    LoggedOut,
    PairingCodeIssued,
    QrChanged,
)

pytestmark = pytest.mark.integration


async def test_connect_shows_qr_then_connects(harness: DriverHarness) -> None:
    await harness.connect(None)
    qr = await harness.listener.wait_for(QrChanged)
    await harness.scan_qr(SESSION_PHONE, PUSH_NAME)
    connected = await harness.listener.wait_for(Connected)

    assert qr.code
    assert qr.expires_at > datetime.now(UTC)
    assert connected.account == Account(
        jid=SESSION_JID, phone=SESSION_PHONE, push_name=PUSH_NAME
    )
    assert harness.listener.of_type(PairingCodeIssued) == []


async def test_pairing_phone_gets_pairing_code(harness: DriverHarness) -> None:
    await harness.connect(SESSION_PHONE)
    issued = await harness.listener.wait_for(PairingCodeIssued)
    await harness.enter_pairing_code(SESSION_PHONE, PUSH_NAME)
    connected = await harness.listener.wait_for(Connected)

    assert issued.code
    assert issued.expires_at > datetime.now(UTC)
    assert connected.account.phone == SESSION_PHONE
    assert harness.listener.of_type(QrChanged) == []


async def test_disconnect_keeps_auth_data(harness: DriverHarness) -> None:
    await pair(harness)

    await harness.driver.disconnect()
    disconnected = harness.listener.events[-1]
    stored = await harness.auth_data()
    await harness.forget_local_state()
    await harness.connect(None)
    reconnected = await harness.listener.wait_for(Connected, 2)

    assert isinstance(disconnected, Disconnected)
    assert disconnected.expected is True
    assert stored is not None
    assert reconnected.account.jid == SESSION_JID
    assert len(harness.listener.of_type(QrChanged)) == 1


async def test_logout_deletes_auth_data(harness: DriverHarness) -> None:
    await pair(harness)

    await harness.driver.logout()
    logged_out = harness.listener.events[-1]
    left = await harness.auth_data()
    await harness.connect(None)
    await harness.listener.wait_for(QrChanged, 2)

    assert isinstance(logged_out, LoggedOut)
    assert left is None
    assert len(harness.listener.of_type(Connected)) == 1


async def test_dropped_connection_unexpected(harness: DriverHarness) -> None:
    await pair(harness)

    await harness.drop_connection()
    disconnected = await harness.listener.wait_for(Disconnected)
    stored = await harness.auth_data()

    assert disconnected.expected is False
    assert disconnected.reason
    assert stored is not None
    assert harness.listener.of_type(LoggedOut) == []


async def test_reconnect_after_drop_needs_no_qr(harness: DriverHarness) -> None:
    await pair(harness)
    await harness.drop_connection()
    await harness.listener.wait_for(Disconnected)

    await harness.connect(None)
    reconnected = await harness.listener.wait_for(Connected, 2)

    assert reconnected.account.jid == SESSION_JID
    assert len(harness.listener.of_type(QrChanged)) == 1


async def test_phone_unlink_logs_out(harness: DriverHarness) -> None:
    await pair(harness)

    await harness.unlink_from_phone()
    logged_out = await harness.listener.wait_for(LoggedOut)
    left = await harness.auth_data()

    assert logged_out.reason
    assert left is None
    assert harness.listener.of_type(Disconnected) == []


async def test_unscanned_qr_fails_pairing(harness: DriverHarness) -> None:
    await harness.connect(None)
    await harness.listener.wait_for(QrChanged)

    # Both networks end pairing after a few seconds in these tests, close to
    # the listener's own wait, so the wait here is longer.
    async with asyncio.timeout(15):
        while not harness.listener.of_type(Failed):
            with contextlib.suppress(TimeoutError):
                await harness.listener.wait_for(Failed)
    failed = harness.listener.of_type(Failed)[0]

    assert failed.reason
    assert harness.listener.of_type(Connected) == []
    assert await harness.auth_data() is None


async def test_idle_disconnect_reports_nothing(harness: DriverHarness) -> None:
    await harness.driver.disconnect()

    assert harness.listener.events == []


async def test_logout_without_link_reports_logged_out(harness: DriverHarness) -> None:
    await harness.driver.logout()

    assert harness.listener.events == [LoggedOut(reason="logged out on request")]
    assert await harness.auth_data() is None

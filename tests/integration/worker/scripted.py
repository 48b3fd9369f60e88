"""A scripted stand-in for the WhatsApp network, behind the driver contract.

The worker under test runs real leases, consumers, records and events. Only
the network is simulated here. Each test scripts what the network does: pair
a device, drop a connection, unlink the phone, fail a send, send a receipt.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from nats.aio.client import Client

from wagate_common.ids import utc_now
from wagate_common.schemas.commands import TextContent
from wagate_common.schemas.sessions import Account
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import (
    Connected,
    Disconnected,
    DriverEvent,
    DriverListener,
    LoggedOut,
    NotConnectedError,
    PairingCodeIssued,
    QrChanged,
    ReceiptReceived,
    SendError,
    SendResult,
    SessionDriver,
)


@dataclass(frozen=True)
class SentMessage:
    """A message the network accepted."""

    session_id: str
    message_id: str
    to: str
    text: str
    wa_message_id: str


def account_of(phone: str) -> Account:
    """Return the account a phone number links as."""
    return Account(jid=f"{phone}@s.whatsapp.net", phone=phone, push_name="Tester")


@dataclass
class ScriptedNetwork:
    """The simulated network: every session's device, and what tests script."""

    sent: list[SentMessage] = field(default_factory=list)
    connects: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    logouts: list[str] = field(default_factory=list)
    send_failures: defaultdict[str, list[SendError]] = field(
        default_factory=lambda: defaultdict(list)
    )
    drivers: dict[str, ScriptedDriver] = field(default_factory=dict)
    _wa_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def create_driver(
        self, session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
    ) -> SessionDriver:
        """The driver factory the worker's registry calls."""
        driver = ScriptedDriver(self, session_id, auth, listener)
        self.drivers[session_id] = driver
        return driver

    def fail_next_send(self, message_id: str, error: SendError) -> None:
        """Make the next send of ``message_id`` raise ``error``."""
        self.send_failures[message_id].append(error)

    def next_wa_id(self) -> str:
        return f"WA{next(self._wa_ids):06d}"

    def sent_ids(self, session_id: str) -> list[str]:
        return [m.message_id for m in self.sent if m.session_id == session_id]


class ScriptedDriver(SessionDriver):
    """One session's device: connects with stored auth data, else shows a QR code."""

    def __init__(
        self,
        network: ScriptedNetwork,
        session_id: str,
        auth: AuthStore,
        listener: DriverListener,
    ) -> None:
        self.network = network
        self.session_id = session_id
        self.auth = auth
        self.listener = listener
        self.state = "idle"

    async def connect(self, pairing_phone: str | None) -> None:
        self.network.connects[self.session_id] += 1
        data = await self.auth.load(self.session_id)
        if data is not None:
            self.state = "connected"
            await self.emit(Connected(account=account_of(data.decode())))
            return
        self.state = "pairing"
        expires_at = utc_now() + timedelta(seconds=60)
        if pairing_phone:
            await self.emit(PairingCodeIssued(code="ABCD1234", expires_at=expires_at))
        else:
            await self.emit(QrChanged(code="qr-1", expires_at=expires_at))

    async def disconnect(self) -> None:
        if self.state == "idle":
            return
        self.state = "idle"
        await self.emit(Disconnected(reason="disconnected on request", expected=True))

    async def logout(self) -> None:
        self.state = "idle"
        await self.auth.delete(self.session_id)
        self.network.logouts.append(self.session_id)
        await self.emit(LoggedOut(reason="logged out on request"))

    async def send_text(
        self, message_id: str, to: str, content: TextContent
    ) -> SendResult:
        if self.state != "connected":
            raise NotConnectedError("the scripted session is not connected")
        failures = self.network.send_failures[message_id]
        if failures:
            raise failures.pop(0)
        wa_message_id = self.network.next_wa_id()
        self.network.sent.append(
            SentMessage(self.session_id, message_id, to, content.text, wa_message_id)
        )
        return SendResult(wa_message_id=wa_message_id, timestamp=utc_now())

    # What the test makes the network do.

    async def pair(self, phone: str) -> None:
        """A phone scans the QR code: the device is linked and online."""
        await self.auth.save(self.session_id, phone.encode())
        self.state = "connected"
        await self.emit(Connected(account=account_of(phone)))

    async def drop(self) -> None:
        """The connection breaks by itself."""
        self.state = "idle"
        await self.emit(Disconnected(reason="connection reset", expected=False))

    async def unlink(self) -> None:
        """The phone removes the linked device."""
        self.state = "idle"
        await self.auth.delete(self.session_id)
        await self.emit(LoggedOut(reason="unlinked from the phone"))

    async def receipt(self, wa_message_ids: list[str], status: str) -> None:
        """The recipient's phone reports messages delivered, read or played."""
        event = ReceiptReceived(
            wa_message_ids=wa_message_ids,
            status=status,
            chat="15550100002@s.whatsapp.net",
            sender="15550100002@s.whatsapp.net",
            timestamp=utc_now(),
        )
        await self.emit(event)

    async def emit(self, event: DriverEvent) -> None:
        await self.listener.on_driver_event(event)

"""What the driver contract suite needs from a driver and the network behind it.

A harness builds one driver with a recording listener and plays the other
side: the phone that pairs or unlinks the device, the contacts that write to
it, and the network that receives its sends. Each harness reads what the
network received in its own terms and returns it as a :class:`Delivery`, so
one test can check both drivers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from tests.integration.sandbox.support import RecordingListener
from wagate_worker.drivers.base import (
    Connected,
    OutgoingMessage,
    QrChanged,
    SendResult,
    SessionDriver,
)

SESSION_ID = "contract"
SESSION_PHONE = "15550100001"
SESSION_JID = f"{SESSION_PHONE}@s.whatsapp.net"
PUSH_NAME = "Shop"
CONTACT_PHONE = "15550100002"
CONTACT_JID = f"{CONTACT_PHONE}@s.whatsapp.net"
OTHER_PHONE = "15550100003"
OTHER_JID = f"{OTHER_PHONE}@s.whatsapp.net"
# The sandbox treats numbers ending in 0000 as not on WhatsApp; the offline
# WhatsApp network of the contract suite follows the same rule.
NOT_ON_WHATSAPP_PHONE = "15550100000"
NOT_ON_WHATSAPP_JID = f"{NOT_ON_WHATSAPP_PHONE}@s.whatsapp.net"


@dataclass(frozen=True)
class DeliveredContact:
    """One contact card as the network received it."""

    name: str
    phone: str | None


@dataclass(frozen=True)
class Delivery:
    """What the network received for one send, in fields both harnesses can read.

    ``type`` is the content's record type (``text``, ``image``, ``audio``,
    ``location``, ``contact``, ``poll``, ``reaction``, ``edit`` or ``revoke``).
    ``target`` is the message a reaction, edit or revoke points at.
    """

    to: str
    type: str
    text: str | None = None
    caption: str | None = None
    reply_to: str | None = None
    mentions: list[str] = field(default_factory=list)
    mimetype: str | None = None
    sha256: str | None = None
    ptt: bool = False
    latitude: float | None = None
    longitude: float | None = None
    place_name: str | None = None
    address: str | None = None
    contacts: list[DeliveredContact] = field(default_factory=list)
    question: str | None = None
    options: list[str] = field(default_factory=list)
    selectable: int | None = None
    target: str | None = None
    emoji: str | None = None


@dataclass(frozen=True)
class Incoming:
    """The id and time the network gave a message it delivered to the session."""

    wa_message_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Notice:
    """A read receipt or chat presence the session sent, as the network received it.

    ``ids`` are the messages marked read and ``state`` is the presence shown.
    """

    kind: Literal["read", "presence"]
    chat: str
    ids: list[str] = field(default_factory=list)
    state: str | None = None


class DriverHarness(Protocol):
    """One driver under test and the network side it talks to."""

    name: str

    @property
    def driver(self) -> SessionDriver:
        """The driver under test."""
        ...

    @property
    def listener(self) -> RecordingListener:
        """The listener recording the driver's events."""
        ...

    async def connect(self, pairing_phone: str | None = None) -> None:
        """Call ``driver.connect`` and let the network answer as it would."""
        ...

    async def scan_qr(self, phone: str, push_name: str | None) -> None:
        """Let ``phone`` scan the QR code shown, which links the device."""
        ...

    async def enter_pairing_code(self, phone: str, push_name: str | None) -> None:
        """Let ``phone`` enter the pairing code issued, which links the device."""
        ...

    async def deliver_text(
        self, sender_phone: str, text: str, push_name: str | None = None
    ) -> Incoming:
        """Let a contact's phone send ``text`` to the session."""
        ...

    async def deliver_image(
        self, sender_phone: str, data: bytes, caption: str
    ) -> Incoming:
        """Let a contact's phone send a PNG image, whose bytes the network keeps."""
        ...

    async def react(self, sender_phone: str, target: str, emoji: str) -> str:
        """Let a contact's phone react to message ``target``; return the reaction's id."""
        ...

    async def report_receipt(
        self, sender_phone: str, result: SendResult, status: Literal["delivered", "read"]
    ) -> None:
        """Let the recipient's phone report a sent message delivered or read."""
        ...

    async def notices(self, phone: str) -> list[Notice]:
        """Return the read receipts and presences that reached ``phone``, oldest first."""
        ...

    async def delivered(self, message: OutgoingMessage, result: SendResult) -> Delivery:
        """Return what the network received for a send that returned ``result``."""
        ...

    async def drop_connection(self) -> None:
        """Break the connection from the network's side."""
        ...

    async def unlink_from_phone(self) -> None:
        """Remove the linked device on the phone."""
        ...

    async def forget_local_state(self) -> None:
        """Delete what the driver keeps outside the AuthStore, as on a new worker."""
        ...

    async def auth_data(self) -> bytes | None:
        """Return the session's auth data in the AuthStore."""
        ...

    async def close(self) -> None:
        """Stop the driver and release what the harness started."""
        ...


async def pair(
    harness: DriverHarness, phone: str = SESSION_PHONE, push_name: str | None = PUSH_NAME
) -> Connected:
    """Connect a new device, scan its QR code with ``phone``; return ``Connected``."""
    connected_before = len(harness.listener.of_type(Connected))
    await harness.connect(None)
    await harness.listener.wait_for(QrChanged)
    await harness.scan_qr(phone, push_name)
    return await harness.listener.wait_for(Connected, connected_before + 1)

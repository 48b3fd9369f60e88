"""The contract between the session runtime and a network driver.

A driver owns one session's connection. The runtime calls its methods and
receives what happens through a :class:`DriverListener`; the runtime, not the
driver, decides when to reconnect after a drop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from wagate_common.schemas.commands import TextContent
from wagate_common.schemas.sessions import Account


@dataclass(frozen=True)
class QrChanged:
    """A new QR code to scan; the previous one is no longer valid."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PairingCodeIssued:
    """A code to type on the phone (pairing by phone number)."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Connected:
    """The session is online as ``account``."""

    account: Account


@dataclass(frozen=True)
class Disconnected:
    """The connection ended; ``expected`` is False when it broke by itself."""

    reason: str
    expected: bool


@dataclass(frozen=True)
class LoggedOut:
    """The device was unlinked; the driver has already dropped its auth data."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """The driver gave up for good (ban, pairing never completed, bad auth data)."""

    reason: str


@dataclass(frozen=True)
class MessageReceived:
    """An incoming message; ``sender_phone`` is given when the sender is an @lid.

    ``mentions`` are the JIDs the text mentions; the sandbox sends none.
    """

    wa_message_id: str
    chat: str
    sender: str
    timestamp: datetime
    text: str
    push_name: str | None = None
    sender_phone: str | None = None
    reply_to: str | None = None
    is_group: bool = False
    mentions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReceiptReceived:
    """The other side received, read or played messages the session sent."""

    wa_message_ids: list[str]
    status: str
    chat: str
    sender: str
    timestamp: datetime


DriverEvent = (
    QrChanged
    | PairingCodeIssued
    | Connected
    | Disconnected
    | LoggedOut
    | Failed
    | MessageReceived
    | ReceiptReceived
)


class DriverListener(Protocol):
    """Receives a driver's events; called on the worker's event loop."""

    async def on_driver_event(self, event: DriverEvent) -> None: ...


@dataclass(frozen=True)
class SendResult:
    """The result WhatsApp returns for a send."""

    wa_message_id: str
    timestamp: datetime


@dataclass
class SendError(Exception):
    """A send failed; ``permanent`` failures are not retried."""

    reason: str
    permanent: bool = field(default=False)

    def __str__(self) -> str:
        return self.reason


class NotConnectedError(SendError):
    """The session is not connected, so nothing could be sent."""


class SessionDriver(ABC):
    """One session's connection to a network."""

    @abstractmethod
    async def connect(self, pairing_phone: str | None) -> None:
        """Start connecting; the outcome arrives as events (QR, connected, failed)."""

    @abstractmethod
    async def disconnect(self) -> None:
        """Close the connection and keep the link, so reconnecting needs no QR."""

    @abstractmethod
    async def logout(self) -> None:
        """Unlink the device from the phone and drop its auth data."""

    @abstractmethod
    async def send_text(
        self, message_id: str, to: str, content: TextContent
    ) -> SendResult:
        """Send a text message.

        Raises:
            SendError: when the network refused or the session is offline.
        """

"""Messages between sandbox drivers, the api and the sandbox network.

Three conversations, all over core NATS request/reply:

- a driver asks the network (``wagate.sbx.net.<op>``): connect, disconnect,
  logout, send;
- the api acts as the phones (``wagate.sbx.api.<op>``): pair, message, inbox,
  receipt, group, logout, drop;
- the network pushes to a session's device (``wagate.sbx.dev.<session>``):
  QR codes, pairing, messages, receipts, logout and drops. The device answers
  each push with :class:`Ack`; a push nobody acknowledges stays queued in the
  sandbox and is pushed again when the device next connects, the way WhatsApp
  keeps messages for an offline device.

Every reply is a :class:`Reply`: ``ok`` with data, or an error the api can
answer with as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from wagate_common.schemas.base import WireModel
from wagate_common.schemas.sessions import Account


class ReplyError(WireModel):
    """An error in the api's terms: HTTP status, envelope code and message."""

    status: int
    code: str
    message: str


class Reply(WireModel):
    """The response to every sandbox request."""

    ok: bool
    data: dict[str, Any] = Field(default_factory=dict)
    error: ReplyError | None = None


class Ack(WireModel):
    """A device's acknowledgement of a push."""

    ok: bool = True


# Driver -> network requests.


class NetConnect(WireModel):
    """A device comes online; without a token it starts pairing."""

    session_id: str
    token: str | None = None
    pairing_phone: str | None = None


class NetSessionRequest(WireModel):
    """A device request naming only itself (disconnect, logout)."""

    session_id: str
    token: str


class NetSend(WireModel):
    """A device sends a message; the reply carries ``waMessageId`` and ``timestamp``."""

    session_id: str
    token: str
    message_id: str
    to: str
    text: str
    reply_to: str | None = None
    mentions: list[str] = Field(default_factory=list)


# Network -> device pushes.


class PushQr(WireModel):
    """A new QR code to show; it replaces the previous one."""

    kind: Literal["qr"] = "qr"
    code: str
    expires_at: datetime


class PushPairingCode(WireModel):
    """A pairing code to type on the phone, instead of scanning a QR code."""

    kind: Literal["pairing_code"] = "pairing_code"
    code: str
    expires_at: datetime


class PushPairingTimeout(WireModel):
    """Nobody scanned any QR code in time; the device stops pairing."""

    kind: Literal["pairing_timeout"] = "pairing_timeout"


class PushPaired(WireModel):
    """A phone linked the device; ``token`` is the device's credential from now on."""

    kind: Literal["paired"] = "paired"
    token: str
    me: Account


class PushMessage(WireModel):
    """A message for the session from a contact or a group."""

    kind: Literal["message"] = "message"
    wa_message_id: str
    chat: str
    sender: str
    push_name: str | None = None
    timestamp: datetime
    text: str
    reply_to: str | None = None


class PushReceipt(WireModel):
    """The other side received or read messages the session sent."""

    kind: Literal["receipt"] = "receipt"
    wa_message_ids: list[str]
    status: Literal["delivered", "read", "played"]
    chat: str
    sender: str
    timestamp: datetime


class PushLoggedOut(WireModel):
    """The phone unlinked the device; its token is no longer valid."""

    kind: Literal["logged_out"] = "logged_out"
    reason: str


class PushDropped(WireModel):
    """The connection broke; the device must connect again."""

    kind: Literal["dropped"] = "dropped"


Push = Annotated[
    PushQr
    | PushPairingCode
    | PushPairingTimeout
    | PushPaired
    | PushMessage
    | PushReceipt
    | PushLoggedOut
    | PushDropped,
    Field(discriminator="kind"),
]
push_adapter: TypeAdapter[Push] = TypeAdapter(Push)


# Api (acting as the phones) -> network requests.


class ApiPair(WireModel):
    """A phone scans the session's QR code (or types its pairing code)."""

    session_id: str
    phone: str
    push_name: str | None = None


class ApiMessage(WireModel):
    """A contact sends the session a text message."""

    session_id: str
    sender: str = Field(alias="from")
    text: str
    group_id: str | None = None
    reply_to: str | None = None


class ApiInbox(WireModel):
    """Read what a phone received from sessions."""

    phone: str
    limit: int = 100


class ApiReceipt(WireModel):
    """The recipient of a session's message reports it delivered or read."""

    session_id: str
    message_id: str
    status: Literal["delivered", "read"]


class ApiGroup(WireModel):
    """A contact creates a group with the session's account and other phones in it."""

    session_id: str
    subject: str
    participants: list[str]


class ApiSessionAction(WireModel):
    """An action on one session's link: logout from the phone, or a drop."""

    session_id: str

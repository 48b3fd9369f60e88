"""Session statuses and the account a session is linked to."""

from __future__ import annotations

from enum import StrEnum

from wagate_common.schemas.base import WireModel


class SessionStatus(StrEnum):
    """Lifecycle status of a session, as reported by its worker."""

    CREATED = "created"
    CONNECTING = "connecting"
    QR = "qr"
    PAIRING = "pairing"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    LOGGED_OUT = "logged_out"
    FAILED = "failed"


class DesiredStatus(StrEnum):
    """The status the user requested for a session; workers reconcile towards it."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class Driver(StrEnum):
    """The network a session runs on."""

    WHATSAPP = "whatsapp"
    SANDBOX = "sandbox"


class Account(WireModel):
    """The WhatsApp account a session is linked to."""

    jid: str
    phone: str | None = None
    push_name: str | None = None

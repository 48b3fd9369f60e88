"""neonize and whatsmeow failures mapped, in one place, to the driver's errors.

neonize raises one exception class per call (all derive from ``NeonizeError``)
carrying whatsmeow's error text, so the kind of failure is read from the text.
The phrases below are whatsmeow's error messages as of neonize 0.5.2.
"""

from __future__ import annotations

from neonize.exc import NeonizeError

from wagate_worker.drivers.base import NotConnectedError, SendError

# The client is not connected or not logged in, so the runtime keeps the send
# waiting until the session connects again.
_NOT_CONNECTED = (
    "websocket not connected",
    "not logged in",
    "client is nil",
    "client not found",
)
# Retrying cannot help: the recipient or the message itself is wrong.
_PERMANENT = (
    "unknown server",
    "must be a user jid",
    "recipient",
    "invalid jid",
    "not on whatsapp",
    "message too large",
    "server returned error 400",
    "server returned error 403",
    "server returned error 404",
    "server returned error 406",
)
_UNREACHABLE = (
    "failed to dial",
    "no such host",
    "connection refused",
    "network is unreachable",
    "i/o timeout",
)


class WhatsAppDriverError(Exception):
    """Root of the WhatsApp driver's own errors."""


class StoreSnapshotError(WhatsAppDriverError):
    """A session's SQLite store could not be copied or restored."""

    def __init__(self, session_id: str, detail: str) -> None:
        super().__init__(f"the device store of session {session_id} {detail}")
        self.session_id = session_id
        self.detail = detail


def send_error_from(error: Exception) -> SendError:
    """Return the driver error for a failed send.

    Raises nothing; an error that is not neonize's becomes a transient failure,
    since the worker retries those a limited number of times.
    """
    text = _text_of(error)
    lowered = text.lower()
    if any(phrase in lowered for phrase in _NOT_CONNECTED):
        return NotConnectedError(f"the WhatsApp session is not connected: {text}")
    if any(phrase in lowered for phrase in _PERMANENT):
        return SendError(f"WhatsApp rejected the message: {text}", permanent=True)
    return SendError(f"sending through WhatsApp failed: {text}", permanent=False)


def connect_error_reason(error: BaseException) -> str:
    """Return the ``lastError`` text of a connection attempt that raised."""
    text = _text_of(error)
    if any(phrase in text.lower() for phrase in _UNREACHABLE):
        return f"WhatsApp could not be reached: {text}"
    return f"connecting to WhatsApp failed: {text}"


def _text_of(error: BaseException) -> str:
    if isinstance(error, NeonizeError):
        text = str(error).strip()
        return text or type(error).__name__
    return f"{type(error).__name__}: {error}"

"""neonize and whatsmeow failures mapped, in one place, to the driver's errors.

neonize raises one exception class per call (all derive from ``NeonizeError``)
carrying whatsmeow's error text, so the kind of failure is read from the text.
The phrases below are whatsmeow's error messages as of neonize 0.5.2.
"""

from __future__ import annotations

from neonize.exc import NeonizeError

from wagate_worker.drivers.base import DriverRequestError, NotConnectedError, SendError

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
# whatsmeow's texts for a group that does not exist or that the account left.
_GROUP_NOT_FOUND = (
    "group not found",
    "not participating in that group",
    "status 404",
    "item-not-found",
)
_NOT_FOUND = ("status 404", "item-not-found")
_FORBIDDEN = ("status 401", "status 403", "not-authorized", "forbidden")
_TIMED_OUT = ("timed out", "deadline exceeded")
_RATE_LIMITED = ("status 429", "rate-overlimit")
# Media that WhatsApp's servers no longer keep (whatsmeow's download errors).
_MEDIA_GONE = ("status code 404", "status code 410", "no url present")
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
    text = error_text(error)
    lowered = text.lower()
    if any(phrase in lowered for phrase in _NOT_CONNECTED):
        return NotConnectedError(f"the WhatsApp session is not connected: {text}")
    if any(phrase in lowered for phrase in _PERMANENT):
        return SendError(f"WhatsApp rejected the message: {text}", permanent=True)
    return SendError(f"sending through WhatsApp failed: {text}", permanent=False)


def request_error_from(
    error: Exception, action: str, *, group: str | None = None
) -> DriverRequestError:
    """Return the envelope error for a failed live request.

    ``action`` names the request in the message ("getting the group").
    ``group`` is set for requests about one group, whose not-found errors
    become ``404 GROUP_NOT_FOUND``. Failures that have no envelope code of
    their own become ``502 WHATSAPP_ERROR``, and timeouts ``504
    WHATSAPP_TIMEOUT``.
    """
    text = error_text(error)
    lowered = text.lower()
    if any(phrase in lowered for phrase in _NOT_CONNECTED):
        return DriverRequestError(
            409, "SESSION_NOT_CONNECTED", f"{action} failed: the session is not connected"
        )
    if group is not None and any(phrase in lowered for phrase in _GROUP_NOT_FOUND):
        return DriverRequestError(
            404,
            "GROUP_NOT_FOUND",
            f"group '{group}' does not exist or the account is not a member: {text}",
        )
    if any(phrase in lowered for phrase in _NOT_FOUND):
        return DriverRequestError(404, "NOT_FOUND", f"{action} failed: {text}")
    if any(phrase in lowered for phrase in _MEDIA_GONE):
        return DriverRequestError(
            404, "NOT_FOUND", f"the media is no longer on WhatsApp's servers: {text}"
        )
    if any(phrase in lowered for phrase in _FORBIDDEN):
        return DriverRequestError(
            403, "FORBIDDEN", f"WhatsApp did not allow {action}: {text}"
        )
    if any(phrase in lowered for phrase in _RATE_LIMITED):
        return DriverRequestError(
            429, "RATE_LIMITED", f"WhatsApp rate-limited {action}: {text}"
        )
    if any(phrase in lowered for phrase in _TIMED_OUT):
        return DriverRequestError(
            504, "WHATSAPP_TIMEOUT", f"{action} timed out in WhatsApp: {text}"
        )
    return DriverRequestError(502, "WHATSAPP_ERROR", f"{action} failed: {text}")


def connect_error_reason(error: BaseException) -> str:
    """Return the ``lastError`` text of a connection attempt that raised."""
    text = error_text(error)
    if any(phrase in text.lower() for phrase in _UNREACHABLE):
        return f"WhatsApp could not be reached: {text}"
    return f"connecting to WhatsApp failed: {text}"


def error_text(error: BaseException) -> str:
    """Return whatsmeow's text of a neonize error, or the type and text of another."""
    if isinstance(error, NeonizeError):
        # Some neonize errors (GetProfilePictureError) carry the whole reply
        # object, and its ``Error`` field contains whatsmeow's text.
        reply_error = getattr(error.args[0], "Error", None) if error.args else None
        text = (reply_error if isinstance(reply_error, str) else str(error)).strip()
        return text or type(error).__name__
    return f"{type(error).__name__}: {error}"

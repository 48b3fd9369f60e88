"""Error codes of the REST contract and the exceptions that carry them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Machine-readable error codes returned in the error envelope."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_JSON = "INVALID_JSON"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    WEBHOOK_NOT_FOUND = "WEBHOOK_NOT_FOUND"
    STATE_NOT_FOUND = "STATE_NOT_FOUND"
    CONTACT_NOT_FOUND = "CONTACT_NOT_FOUND"
    GROUP_NOT_FOUND = "GROUP_NOT_FOUND"
    JOB_NOT_FOUND = "JOB_NOT_FOUND"
    JOB_NOT_RETRYABLE = "JOB_NOT_RETRYABLE"
    API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND"
    SESSION_EXISTS = "SESSION_EXISTS"
    SESSION_NOT_CONNECTED = "SESSION_NOT_CONNECTED"
    MESSAGE_NOT_SENT = "MESSAGE_NOT_SENT"
    SANDBOX_CONFLICT = "SANDBOX_CONFLICT"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    UNSUPPORTED_MESSAGE_TYPE = "UNSUPPORTED_MESSAGE_TYPE"
    INVALID_RECIPIENT = "INVALID_RECIPIENT"
    WEBHOOK_URL_NOT_ALLOWED = "WEBHOOK_URL_NOT_ALLOWED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    NOT_READY = "NOT_READY"
    WORKER_TIMEOUT = "WORKER_TIMEOUT"
    # WhatsApp itself refused or failed a live request (502), or did not
    # answer it in time (504).
    WHATSAPP_ERROR = "WHATSAPP_ERROR"
    WHATSAPP_TIMEOUT = "WHATSAPP_TIMEOUT"


class WagateError(Exception):
    """Root of every error that maps to an HTTP response in the envelope.

    Attributes:
        status: HTTP status code of the response.
        code: The envelope's ``error.code``.
        message: A sentence for humans.
        details: Optional structured details (``details.fields`` for validation).
    """

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class NotFoundError(WagateError):
    """A named resource does not exist (or is hidden from the caller)."""

    def __init__(self, code: ErrorCode, what: str, ident: str) -> None:
        super().__init__(404, code, f"{what} '{ident}' not found")


class ConflictError(WagateError):
    """The request conflicts with the current state of a resource."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(409, code, message)


class InvalidRecipientError(WagateError):
    """A recipient is neither a phone number nor a JID."""

    def __init__(self, value: str) -> None:
        super().__init__(
            422,
            ErrorCode.INVALID_RECIPIENT,
            f"recipient '{value}' is neither a phone number nor a WhatsApp JID",
            {"value": value},
        )

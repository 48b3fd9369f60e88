"""Errors raised by the dispatcher and by the signature helpers."""

from __future__ import annotations


class DispatcherError(Exception):
    """Root of every error the dispatcher raises."""


class InvalidSecretError(DispatcherError):
    """A webhook secret is not ``whsec_`` followed by non-empty base64."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid webhook secret: {reason}")
        self.reason = reason


class SignatureVerificationError(DispatcherError):
    """A webhook request's signature headers do not verify.

    Attributes:
        reason: Which check failed (missing header, timestamp, signature).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"webhook signature verification failed: {reason}")
        self.reason = reason


class InvalidWebhookError(DispatcherError):
    """A stored webhook document lacks a field delivery needs or has a bad one."""

    def __init__(self, webhook_id: object, reason: str) -> None:
        super().__init__(f"webhook '{webhook_id}' is invalid: {reason}")
        self.webhook_id = webhook_id
        self.reason = reason


class InvalidEventError(DispatcherError):
    """An event on the stream is not JSON with ``id``, ``type`` and ``sessionId``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid event: {reason}")
        self.reason = reason


class InvalidJobError(DispatcherError):
    """A message on the DELIVERIES stream lacks a header a delivery job needs."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid delivery job: {reason}")
        self.reason = reason


class WebhookBusyError(DispatcherError):
    """The webhook already has its maximum of requests in flight in this process."""

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"webhook '{webhook_id}' has no free delivery slot")
        self.webhook_id = webhook_id

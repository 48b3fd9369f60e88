"""neonize failures as driver errors and status texts."""

from __future__ import annotations

import pytest
from neonize.exc import NeonizeError, SendMessageError

from wagate_worker.drivers.base import NotConnectedError
from wagate_worker.drivers.whatsapp.errors import connect_error_reason, send_error_from


@pytest.mark.parametrize("text", ["websocket not connected", "not logged in"])
def test_offline_client_means_not_connected(text: str) -> None:
    error = send_error_from(SendMessageError(text))

    assert isinstance(error, NotConnectedError)
    assert not error.permanent


@pytest.mark.parametrize(
    "text",
    [
        "can't send message to unknown server 'x'",
        "message recipient must be a user JID with no device part",
        "server returned error 406",
    ],
)
def test_bad_recipient_or_message_is_permanent(text: str) -> None:
    error = send_error_from(SendMessageError(text))

    assert error.permanent
    assert error.reason == f"WhatsApp rejected the message: {text}"


@pytest.mark.parametrize(
    "text", ["info query timed out", "failed to get device list: context canceled"]
)
def test_other_send_failures_are_retried(text: str) -> None:
    error = send_error_from(SendMessageError(text))

    assert not error.permanent
    assert error.reason == f"sending through WhatsApp failed: {text}"


def test_non_neonize_error_keeps_its_type_name() -> None:
    error = send_error_from(OSError("broken pipe"))

    assert error.reason == "sending through WhatsApp failed: OSError: broken pipe"
    assert not error.permanent


def test_unreachable_network_reason_readable() -> None:
    error = NeonizeError(
        "failed to dial whatsapp web websocket: dial tcp: lookup web.whatsapp.com: "
        "no such host"
    )

    reason = connect_error_reason(error)

    assert reason.startswith("WhatsApp could not be reached: failed to dial")


def test_other_connect_error_reason_readable() -> None:
    assert connect_error_reason(NeonizeError("database is locked")) == (
        "connecting to WhatsApp failed: database is locked"
    )

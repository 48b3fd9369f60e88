"""neonize failures as driver errors and status texts."""

from __future__ import annotations

import pytest
from neonize.exc import GetProfilePictureError, NeonizeError, SendMessageError
from neonize.proto.Neonize_pb2 import GetProfilePictureReturnFunction

from wagate_worker.drivers.base import NotConnectedError
from wagate_worker.drivers.whatsapp.errors import (
    connect_error_reason,
    error_text,
    request_error_from,
    send_error_from,
)


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


@pytest.mark.parametrize(
    ("text", "group", "status", "code"),
    [
        ("websocket not connected", None, 409, "SESSION_NOT_CONNECTED"),
        ("group not found", "1203@g.us", 404, "GROUP_NOT_FOUND"),
        ("you're not participating in that group", "1203@g.us", 404, "GROUP_NOT_FOUND"),
        (
            "info query returned status 404: item-not-found",
            "1203@g.us",
            404,
            "GROUP_NOT_FOUND",
        ),
        ("info query returned status 404: item-not-found", None, 404, "NOT_FOUND"),
        ("download failed with status code 410", None, 404, "NOT_FOUND"),
        ("info query returned status 403: forbidden", "1203@g.us", 403, "FORBIDDEN"),
        ("info query returned status 401: not-authorized", None, 403, "FORBIDDEN"),
        ("info query returned status 429: rate-overlimit", None, 429, "RATE_LIMITED"),
        ("info query timed out", None, 504, "WHATSAPP_TIMEOUT"),
        ("failed to decrypt media", None, 502, "WHATSAPP_ERROR"),
    ],
)
def test_request_errors_mapped_to_envelope(
    text: str, group: str | None, status: int, code: str
) -> None:
    error = request_error_from(NeonizeError(text), "doing it", group=group)

    assert (error.status, error.code) == (status, code)
    assert text in error.message or code == "SESSION_NOT_CONNECTED"


def test_group_not_found_names_group() -> None:
    error = request_error_from(NeonizeError("group not found"), "x", group="1203@g.us")

    assert error.message.startswith("group '1203@g.us' does not exist")


def test_reply_object_error_text_read() -> None:
    reply = GetProfilePictureReturnFunction(
        Error="that user does not have a profile picture"
    )

    assert error_text(GetProfilePictureError(reply)) == (
        "that user does not have a profile picture"
    )

"""Standard Webhooks signatures, checked against the reference implementation."""

from __future__ import annotations

import base64
import os
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook as ReferenceWebhook

from wagate_dispatcher.delivery.signing import (
    decode_secret,
    sign,
    signature_headers,
    verify_signature,
)
from wagate_dispatcher.errors import InvalidSecretError, SignatureVerificationError

BODY = '{"id":"evt_1","type":"message.received","data":{"text":"olá ✓"}}'.encode()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def test_signature_verifies_with_standardwebhooks() -> None:
    secret = new_secret()

    headers = signature_headers(secret, "evt_1", BODY)
    payload = ReferenceWebhook(secret).verify(BODY, headers)

    assert payload["id"] == "evt_1"


def test_signature_equals_reference_signature() -> None:
    secret = new_secret()
    timestamp = 1_700_000_000

    ours = sign(secret, "evt_1", timestamp, BODY)
    reference = ReferenceWebhook(secret).sign(
        "evt_1", datetime.fromtimestamp(timestamp, UTC), BODY.decode()
    )

    assert ours == reference


def test_verify_accepts_reference_signature() -> None:
    secret = new_secret()
    timestamp = int(time.time())
    signature = ReferenceWebhook(secret).sign(
        "evt_1", datetime.fromtimestamp(timestamp, UTC), BODY.decode()
    )
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }

    verify_signature(secret, headers, BODY)


def test_verify_rejects_tampered_body() -> None:
    secret = new_secret()
    headers = signature_headers(secret, "evt_1", BODY)

    with pytest.raises(SignatureVerificationError, match="no signature matches"):
        verify_signature(secret, headers, BODY + b" ")


def test_verify_rejects_other_secret() -> None:
    headers = signature_headers(new_secret(), "evt_1", BODY)

    with pytest.raises(SignatureVerificationError):
        verify_signature(new_secret(), headers, BODY)


def test_verify_rejects_other_message_id() -> None:
    secret = new_secret()
    headers = signature_headers(secret, "evt_1", BODY)
    headers["webhook-id"] = "evt_2"

    with pytest.raises(SignatureVerificationError):
        verify_signature(secret, headers, BODY)


@pytest.mark.parametrize("offset", [-301, 301])
def test_verify_rejects_timestamp_outside_tolerance(offset: int) -> None:
    secret = new_secret()
    now = 1_700_000_000
    headers = signature_headers(secret, "evt_1", BODY, timestamp=now + offset)

    with pytest.raises(SignatureVerificationError, match="webhook-timestamp"):
        verify_signature(secret, headers, BODY, now=now)


def test_verify_rejects_non_integer_timestamp() -> None:
    secret = new_secret()
    headers = signature_headers(secret, "evt_1", BODY)
    headers["webhook-timestamp"] = "soon"

    with pytest.raises(SignatureVerificationError, match="not an integer"):
        verify_signature(secret, headers, BODY)


@pytest.mark.parametrize(
    "missing", ["webhook-id", "webhook-timestamp", "webhook-signature"]
)
def test_verify_rejects_missing_header(missing: str) -> None:
    secret = new_secret()
    headers = signature_headers(secret, "evt_1", BODY)
    del headers[missing]

    with pytest.raises(SignatureVerificationError, match="missing"):
        verify_signature(secret, headers, BODY)


def test_verify_accepts_one_valid_of_several() -> None:
    secret = new_secret()
    headers = signature_headers(secret, "evt_1", BODY)
    old = signature_headers(new_secret(), "evt_1", BODY)["webhook-signature"]
    headers["webhook-signature"] = f"v1a,abc {old} {headers['webhook-signature']}"

    verify_signature(secret, headers, BODY)


def test_verify_ignores_header_name_case() -> None:
    secret = new_secret()
    headers = signature_headers(secret, "evt_1", BODY)
    upper = {name.upper(): value for name, value in headers.items()}

    verify_signature(secret, upper, BODY)


def test_decode_secret_tolerates_missing_prefix_and_padding() -> None:
    key = b"0123456789abcdefghij"
    encoded = base64.b64encode(key).decode()

    assert decode_secret("whsec_" + encoded) == key
    assert decode_secret(encoded) == key
    assert decode_secret("whsec_" + encoded.rstrip("=")) == key


@pytest.mark.parametrize("secret", ["whsec_", "whsec_not base64!", "whsec_@@@@"])
def test_decode_secret_rejects_bad_secret(secret: str) -> None:
    with pytest.raises(InvalidSecretError):
        decode_secret(secret)

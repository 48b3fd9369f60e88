"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A request carries ``webhook-id``, ``webhook-timestamp`` (unix seconds) and
``webhook-signature``: ``v1,`` followed by the base64 HMAC-SHA256 of
``{id}.{timestamp}.{body}``. The HMAC key is the base64-decoded part of the
secret after ``whsec_``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from wagate_dispatcher.errors import InvalidSecretError, SignatureVerificationError

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# The tolerance the Standard Webhooks reference libraries apply to the timestamp.
DEFAULT_TOLERANCE_SECONDS = 300

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def decode_secret(secret: str) -> bytes:
    """Decode a ``whsec_`` secret into its HMAC key.

    The prefix is optional and missing base64 padding is tolerated, as in the
    reference libraries.

    Raises:
        InvalidSecretError: the rest is not base64 or decodes to no bytes.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        key = base64.b64decode(padded, validate=True)
    except binascii.Error as error:
        raise InvalidSecretError("the part after 'whsec_' is not base64") from error
    if not key:
        raise InvalidSecretError("the key is empty")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``webhook-signature`` value of one request.

    Raises:
        InvalidSecretError: ``secret`` cannot be decoded.
    """
    key = decode_secret(secret)
    signed_content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_headers(
    secret: str, message_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Build the three ``webhook-*`` headers; ``timestamp`` defaults to now."""
    if timestamp is None:
        timestamp = int(time.time())
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, message_id, timestamp, body),
    }


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Verify a received webhook request, as a receiver would.

    Header names are matched case-insensitively. ``webhook-signature`` may hold
    several space-separated signatures (during a secret rotation); one valid
    ``v1`` signature is enough.

    Raises:
        SignatureVerificationError: a header is missing, the timestamp is not
            within ``tolerance_seconds`` of ``now``, or no signature matches.
        InvalidSecretError: ``secret`` cannot be decoded.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get(ID_HEADER)
    timestamp_text = lowered.get(TIMESTAMP_HEADER)
    signatures = lowered.get(SIGNATURE_HEADER)
    if not (message_id and timestamp_text and signatures):
        raise SignatureVerificationError(
            f"missing {ID_HEADER}, {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header"
        )

    try:
        timestamp = int(timestamp_text)
    except ValueError as error:
        raise SignatureVerificationError(
            f"{TIMESTAMP_HEADER} is not an integer"
        ) from error
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise SignatureVerificationError(
            f"{TIMESTAMP_HEADER} is more than {tolerance_seconds:g} s from now"
        )

    expected = sign(secret, message_id, timestamp, body).encode()
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected):
            return
    raise SignatureVerificationError("no signature matches the body")

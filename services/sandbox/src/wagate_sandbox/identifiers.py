"""Random identifiers shaped like the ones WhatsApp hands out."""

from __future__ import annotations

import base64
import secrets

# The base32 alphabet of whatsmeow's pairing codes (pair-code.go): it leaves out
# 0, I, O and U, which are easy to misread.
PAIRING_CODE_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
PAIRING_CODE_LENGTH = 8


def new_device_message_id() -> str:
    """Return an id for a message a session sends: ``3EB0`` and 20 hex digits.

    whatsmeow's GenerateMessageID (send.go) uses the same ``3EB0`` prefix.
    """
    return "3EB0" + secrets.token_hex(10).upper()


def new_phone_message_id() -> str:
    """Return an id for a message a phone sends: ``3A`` and 18 hex digits."""
    return "3A" + secrets.token_hex(9).upper()


def new_token() -> str:
    """Return a device credential, 256 random bits in URL-safe base64."""
    return secrets.token_urlsafe(32)


def new_qr_code() -> str:
    """Return QR content in WhatsApp's layout: a reference and three base64 keys."""
    keys = (base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(3))
    return ",".join([f"2@{secrets.token_urlsafe(24)}", *keys])


def new_pairing_code() -> str:
    """Return an 8-character code to type on the phone, without WhatsApp's dash."""
    return "".join(
        secrets.choice(PAIRING_CODE_ALPHABET) for _ in range(PAIRING_CODE_LENGTH)
    )


def new_group_jid() -> str:
    """Return a random group JID: ``120363``, 12 random digits and ``@g.us``."""
    digits = "".join(secrets.choice("0123456789") for _ in range(12))
    return f"120363{digits}@g.us"

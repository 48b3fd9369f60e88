"""The format of API keys: ``wsk_``, 43 random characters and an 8-digit checksum."""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

KEY_PREFIX = "wsk_"
PREFIX_LENGTH = 12
# 32 random bytes are 43 base64url characters: 256 bits of entropy.
_RANDOM_BYTES = 32
_KEY_PATTERN = re.compile(r"^wsk_([A-Za-z0-9_-]{43})([0-9a-f]{8})$")


def generate_key() -> str:
    """Return a new key: the prefix, the random part and its CRC-32 in hex."""
    random_part = secrets.token_urlsafe(_RANDOM_BYTES)
    return f"{KEY_PREFIX}{random_part}{_checksum(random_part)}"


def is_well_formed(key: str) -> bool:
    """Check the shape and checksum, so a mistyped key is rejected without a read."""
    match = _KEY_PATTERN.match(key)
    if match is None:
        return False
    return secrets.compare_digest(_checksum(match.group(1)), match.group(2))


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest under which a key is stored.

    A fast unsalted hash is enough because the key has 256 bits of entropy, so
    guessing keys cannot match a stolen hash, salted or not.
    """
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """Return the first characters of a key, safe to show and to log."""
    return key[:PREFIX_LENGTH]


def _checksum(random_part: str) -> str:
    return f"{zlib.crc32(random_part.encode()):08x}"

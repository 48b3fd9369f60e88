"""Mapping of sessions to shards."""

from __future__ import annotations

import hashlib


def shard_of(session_id: str, shards: int) -> int:
    """Return the stable shard number of a session.

    The hash must never change across versions: a session's commands and its
    worker are found through it.
    """
    digest = hashlib.blake2b(session_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards

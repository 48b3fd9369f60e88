"""API key format: randomness, checksum, hash and display prefix."""

from __future__ import annotations

from wagate_api.security.keyformat import (
    display_prefix,
    generate_key,
    hash_key,
    is_well_formed,
)


def test_generated_key_well_formed() -> None:
    key = generate_key()

    assert key.startswith("wsk_")
    assert len(key) == 4 + 43 + 8
    assert is_well_formed(key)


def test_generated_keys_differ() -> None:
    keys = {generate_key() for _ in range(1000)}

    assert len(keys) == 1000


def test_every_single_typo_detected() -> None:
    key = generate_key()

    for position in range(4, len(key)):
        replacement = "0" if key[position] != "0" else "1"
        typo = key[:position] + replacement + key[position + 1 :]

        assert not is_well_formed(typo), position


def test_other_shapes_rejected() -> None:
    key = generate_key()

    assert not is_well_formed("")
    assert not is_well_formed(key[:-1])
    assert not is_well_formed(key + "0")
    assert not is_well_formed("xsk_" + key[4:])


def test_hash_is_sha256_hex() -> None:
    digest = hash_key("wsk_example")

    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert hash_key("wsk_example") == digest
    assert hash_key("wsk_other") != digest


def test_prefix_shows_twelve_characters() -> None:
    key = generate_key()

    assert display_prefix(key) == key[:12]

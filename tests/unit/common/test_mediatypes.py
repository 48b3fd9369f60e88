"""Media type rules: each accepted format passes, unrecognized bytes do not."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from wagate_common.mediatypes import (
    RULES,
    UNKNOWN_MIMETYPE,
    MediaRejectedError,
    check_media,
    sniff_mimetype,
)

TEXT = b"hello text"


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """Return an ISO base media file's ``ftyp`` box followed by an empty ``free`` box."""
    size = 16 + 4 * len(compatible)
    box = struct.pack(">I", size) + b"ftyp" + major + b"\x00\x00\x02\x00"
    return box + b"".join(compatible) + b"\x00\x00\x00\x08free"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def riff_webp(chunk: bytes, body: bytes) -> bytes:
    payload = b"WEBP" + chunk + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


# The first bytes of real files. Most audio and video headers are copied from
# files that ffmpeg 5.1 wrote. The CRC variants, AMR and the DASH and 3gp5
# brands follow the formats' header layouts.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
IHDR = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
APNG = b"\x89PNG\r\n\x1a\n" + IHDR + png_chunk(b"acTL", struct.pack(">II", 2, 0))
WEBP_LOSSY = riff_webp(b"VP8 ", bytes(18))
WEBP_LOSSLESS = riff_webp(b"VP8L", b"\x2f" + bytes(4))
WEBP_EXTENDED = riff_webp(b"VP8X", bytes(10))
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
PDF = b"%PDF-1.7\n" + bytes(64)
OGG_OPUS = b"OggS\x00\x02" + bytes(22) + b"\x01\x13OpusHead\x01\x01"
OGG_VORBIS = b"OggS\x00\x02" + bytes(22) + b"\x01\x1e\x01vorbis"
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x23TSSE"
MP3_MPEG1 = b"\xff\xfb\x50\xc4\x00\x00\x0a\x2c"
MP3_MPEG1_CRC = b"\xff\xfa\x50\xc4\x00\x00\x0a\x2c"
MP3_MPEG2 = b"\xff\xf3\x40\xc4\x00\x14\x68\x86"
MP3_MPEG25 = b"\xff\xe3\x18\xc4\x00\x0d\x20\x96"
ADTS = b"\xff\xf1\x50\x40\x21\x3f\xfc\xde\x02\x00"
ADTS_CRC = b"\xff\xf0\x50\x40\x21\x3f\xfc\x00\x00\xde\x02\x00"
ADTS_MPEG2_CRC = b"\xff\xf8\x50\x40\x21\x3f\xfc\x00\x00\xde\x02\x00"
AMR = b"#!AMR\n\x3c" + bytes(31)
M4A = ftyp(b"M4A ", b"M4A ", b"isom", b"iso2")
MP4_AUDIO_ONLY = ftyp(b"isom", b"isom", b"iso2", b"mp41")
MP4 = ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41")
MP4_MP42 = ftyp(b"mp42", b"mp42", b"isom")
MP4_DASH = ftyp(b"dash", b"iso6", b"avc1")
M4V = ftyp(b"M4V ", b"M4V ", b"isom", b"iso2", b"avc1")
THREE_GP = ftyp(b"3gp4", b"3gp4", b"isom", b"iso2")
THREE_GP_ONLY = ftyp(b"3gp5", b"3gp5")
MOV = ftyp(b"qt  ", b"qt  ")
# Near misses that no accepted format matches.
PNG_TYPO = b"\x89PNX\r\n\x1a\n" + bytes(16)
THREE_GPP2 = ftyp(b"3g2a", b"3g2a")
UNKNOWN_BRAND = ftyp(b"abcd", b"abcd")
MP3_BAD_BITRATE = b"\xff\xfa\xf0\xc4\x00\x00"  # bitrate index 1111 is invalid
ADTS_BAD_RATE = b"\xff\xf0\x7c\x40\x21\x3f\xfc"  # sampling index 15 is forbidden

# Test ids: the constant's name for a sample above, else the first bytes in hex.
SAMPLE_NAMES = {
    value: name.lower()
    for name, value in list(globals().items())
    if isinstance(value, bytes)
}


def sample_id(value: object) -> str | None:
    if isinstance(value, bytes):
        return SAMPLE_NAMES.get(value, value[:6].hex())
    return None


@pytest.mark.parametrize(
    ("media_type", "declared", "data", "sent_as"),
    [
        ("image", "image/jpeg", JPEG, "image/jpeg"),
        ("image", "image/png", PNG, "image/png"),
        ("image", "image/png", APNG, "image/png"),
        ("image", "image/webp", WEBP_LOSSY, "image/webp"),
        ("image", "image/webp", WEBP_LOSSLESS, "image/webp"),
        ("image", "image/webp", WEBP_EXTENDED, "image/webp"),
        ("sticker", "image/webp", WEBP_LOSSY, "image/webp"),
        ("sticker", "image/webp", WEBP_EXTENDED, "image/webp"),
        ("video", "video/mp4", MP4, "video/mp4"),
        ("video", "video/mp4", MP4_MP42, "video/mp4"),
        ("video", "video/mp4", MP4_DASH, "video/mp4"),
        ("video", "video/mp4", M4V, "video/mp4"),
        ("video", "video/3gpp", THREE_GP, "video/3gpp"),
        ("video", "video/3gpp", THREE_GP_ONLY, "video/3gpp"),
        ("audio", "audio/ogg", OGG_OPUS, "audio/ogg"),
        ("audio", "audio/ogg; codecs=opus", OGG_OPUS, "audio/ogg; codecs=opus"),
        ("audio", "audio/ogg", OGG_VORBIS, "audio/ogg"),
        ("audio", "audio/mpeg", MP3_ID3, "audio/mpeg"),
        ("audio", "audio/mpeg", MP3_MPEG1, "audio/mpeg"),
        ("audio", "audio/mpeg", MP3_MPEG1_CRC, "audio/mpeg"),
        ("audio", "audio/mpeg", MP3_MPEG2, "audio/mpeg"),
        ("audio", "audio/mpeg", MP3_MPEG25, "audio/mpeg"),
        ("audio", "audio/aac", ADTS, "audio/aac"),
        ("audio", "audio/aac", ADTS_CRC, "audio/aac"),
        ("audio", "audio/aac", ADTS_MPEG2_CRC, "audio/aac"),
        ("audio", "audio/mp4", M4A, "audio/mp4"),
        ("audio", "audio/mp4", MP4_AUDIO_ONLY, "audio/mp4"),
        ("audio", "audio/amr", AMR, "audio/amr"),
    ],
    ids=sample_id,
)
def test_accepted_format_passes(
    media_type: str, declared: str, data: bytes, sent_as: str
) -> None:
    assert check_media(media_type, declared, data) == sent_as


def test_every_accepted_mimetype_covered() -> None:
    # Each mimetype that a rule accepts must be recognizable in real bytes,
    # or media of that type could never be sent.
    samples = [JPEG, PNG, WEBP_LOSSY, MP4, THREE_GP, OGG_OPUS, MP3_MPEG1, ADTS, M4A, AMR]
    sniffed = {sniff_mimetype(sample) for sample in samples}

    for media_type, rule in RULES.items():
        missing = rule.mimetypes - sniffed
        assert not missing, f"{media_type}: no sample is recognized as {missing}"


@pytest.mark.parametrize(
    ("media_type", "declared", "data", "sent_as"),
    [
        ("image", "image/jpeg", PNG, "image/png"),
        ("video", "video/mp4", THREE_GP, "video/3gpp"),
        ("audio", "audio/aac", MP3_MPEG1, "audio/mpeg"),
        ("audio", "audio/aac", M4A, "audio/mp4"),
    ],
    ids=sample_id,
)
def test_bytes_decide_between_accepted(
    media_type: str, declared: str, data: bytes, sent_as: str
) -> None:
    assert check_media(media_type, declared, data) == sent_as


@pytest.mark.parametrize(
    ("media_type", "data"),
    [
        ("image", TEXT),
        ("image", PNG_TYPO),
        ("sticker", TEXT),
        ("video", TEXT),
        ("video", THREE_GPP2),
        ("video", UNKNOWN_BRAND),
        ("audio", TEXT),
        ("audio", MP3_BAD_BITRATE),
        ("audio", ADTS_BAD_RATE),
    ],
    ids=sample_id,
)
def test_unrecognized_bytes_rejected(media_type: str, data: bytes) -> None:
    declared = sorted(RULES[media_type].mimetypes)[0]

    with pytest.raises(MediaRejectedError) as raised:
        check_media(media_type, declared, data)

    assert raised.value.status == 415
    message = str(raised.value)
    assert f"not in a recognized {media_type} format" in message
    for accepted in RULES[media_type].mimetypes:
        assert accepted in message


@pytest.mark.parametrize("declared", sorted(RULES["audio"].mimetypes))
def test_unrecognized_audio_rejected_for_each_declared(declared: str) -> None:
    with pytest.raises(MediaRejectedError) as raised:
        check_media("audio", declared, TEXT)

    assert raised.value.status == 415


def test_unrecognized_message_lists_expected() -> None:
    with pytest.raises(MediaRejectedError) as raised:
        check_media("image", "image/png", TEXT)

    assert str(raised.value) == (
        "the bytes are not in a recognized image format "
        "(expected image/jpeg, image/png or image/webp)"
    )


@pytest.mark.parametrize(
    ("media_type", "declared", "data", "detected"),
    [
        ("image", "image/png", PDF, "application/pdf"),
        ("image", "image/png", GIF, "image/gif"),
        ("image", "image/jpeg", MP4, "video/mp4"),
        ("sticker", "image/webp", PNG, "image/png"),
        ("video", "video/mp4", M4A, "audio/mp4"),
        ("video", "video/mp4", MOV, "video/quicktime"),
        ("audio", "audio/ogg", THREE_GP, "video/3gpp"),
    ],
    ids=sample_id,
)
def test_wrong_format_rejected(
    media_type: str, declared: str, data: bytes, detected: str
) -> None:
    with pytest.raises(MediaRejectedError) as raised:
        check_media(media_type, declared, data)

    assert raised.value.status == 415
    message = str(raised.value)
    assert f"the bytes are {detected}, which cannot be sent as {media_type}" in message
    assert "(expected " in message


def test_declared_type_rejected() -> None:
    with pytest.raises(MediaRejectedError) as raised:
        check_media("sticker", "image/png", WEBP_LOSSY)

    assert raised.value.status == 415
    assert (
        str(raised.value) == "image/png cannot be sent as sticker (expected image/webp)"
    )


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("text/plain", TEXT),
        ("application/pdf", PDF),
        ("application/octet-stream", bytes(range(256))),
        ("image/png", TEXT),
    ],
    ids=sample_id,
)
def test_document_accepts_any_bytes(declared: str, data: bytes) -> None:
    assert check_media("document", declared, data) == declared


def test_undeclared_document_typed_by_bytes() -> None:
    assert check_media("document", None, PDF) == "application/pdf"
    assert check_media("document", None, TEXT) == UNKNOWN_MIMETYPE


def test_undeclared_media_typed_by_bytes() -> None:
    assert check_media("image", None, PNG) == "image/png"
    assert check_media("audio", None, MP4_AUDIO_ONLY) == "audio/mp4"
    assert check_media("video", None, THREE_GP) == "video/3gpp"


@pytest.mark.parametrize("media_type", ["image", "sticker", "video", "audio"])
def test_undeclared_unrecognized_rejected(media_type: str) -> None:
    with pytest.raises(MediaRejectedError) as raised:
        check_media(media_type, None, TEXT)

    assert raised.value.status == 415
    assert f"not in a recognized {media_type} format" in str(raised.value)


def test_oversized_media_too_large() -> None:
    with pytest.raises(MediaRejectedError) as raised:
        check_media("sticker", "image/webp", WEBP_LOSSY + bytes(16 * 1024 * 1024))

    assert raised.value.status == 413

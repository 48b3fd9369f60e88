"""Which media may be sent as which message type, and how large.

The api checks base64 media against these rules before storing it, and the
worker checks media fetched from a URL the same way, using the type found in
the bytes themselves rather than the one the server announced.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

MIB = 1024 * 1024
UNKNOWN_MIMETYPE = "application/octet-stream"


@dataclass(frozen=True)
class MediaRule:
    """The size limit and accepted mimetypes of one message type.

    An empty ``mimetypes`` accepts any (documents).
    """

    max_bytes: int
    mimetypes: frozenset[str]

    def accepts(self, mimetype: str) -> bool:
        """Return whether ``mimetype`` (parameters ignored) may be sent as this type."""
        base = base_mimetype(mimetype)
        return not self.mimetypes or base in self.mimetypes


RULES: dict[str, MediaRule] = {
    "image": MediaRule(16 * MIB, frozenset({"image/jpeg", "image/png", "image/webp"})),
    "video": MediaRule(16 * MIB, frozenset({"video/mp4", "video/3gpp"})),
    "audio": MediaRule(
        16 * MIB,
        frozenset({"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr"}),
    ),
    "sticker": MediaRule(16 * MIB, frozenset({"image/webp"})),
    "document": MediaRule(100 * MIB, frozenset()),
}

# What ``filetype`` names some formats, and what WhatsApp calls them. An APNG
# is a valid PNG whose extra chunks plain PNG decoders skip.
_SNIFFED_ALIASES = {
    "audio/x-m4a": "audio/mp4",
    "video/x-m4v": "video/mp4",
    "audio/x-wav": "audio/wav",
    "image/apng": "image/png",
}

# An MP4 file is audio/mp4 or video/mp4 by its tracks, which its first bytes
# do not show: ffmpeg writes an audio-only .mp4 with the generic brand
# ``isom``. So audio accepts an MP4 that the bytes call video/mp4.
_AUDIO_EQUIVALENTS = {"video/mp4": "audio/mp4"}

# Major brands of ISO base media files (MP4, M4A) that name one kind of content.
_MP4_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B "})
_MP4_VIDEO_BRANDS = frozenset({b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"MSNV"})


class MediaRejectedError(ValueError):
    """Media broke a rule; ``status`` is 413 (too large) or 415 (wrong type)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def base_mimetype(mimetype: str) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``, lower case."""
    return mimetype.split(";", 1)[0].strip().lower()


def sniff_mimetype(head: bytes) -> str | None:
    """Return the mimetype the first bytes of a file show, or None if unknown.

    ``filetype`` 1.2 recognizes most formats. Our own checks run before it for
    MP4 and 3GP files, because it calls most 3GP files MP4, and after it for
    the MP3 and AAC frame headers that its signatures miss.
    """
    iso_media = _iso_media_mimetype(head)
    if iso_media is not None:
        return iso_media
    kind = filetype.guess(head)
    if kind is not None:
        mime = str(kind.mime)
        return _SNIFFED_ALIASES.get(mime, mime)
    return _mpeg_audio_mimetype(head)


def _iso_media_mimetype(head: bytes) -> str | None:
    """Return the type an ISO base media file's major brand names, if we know it.

    The file starts with an ``ftyp`` box: a 4-byte size, ``ftyp`` and the major
    brand, the specification the file is best read by. Only the major brand
    counts here, because the compatible brands mix: ffmpeg lists ``isom`` in
    M4A and 3GP files too. ``filetype`` 1.2 looks for 3GP at offset 0, where
    no real file has it, and calls a 3GP file that lists ``isom`` an MP4.
    """
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    if int.from_bytes(head[:4], "big") < 16:
        return None
    brand = head[8:12]
    # The 3GPP release brands: 3gp4 to 3gp9, 3ge6, 3gr6, 3gs6 and others.
    # 3g2a is 3GPP2, a different format (video/3gpp2).
    if brand.startswith(b"3g") and not brand.startswith(b"3g2"):
        return "video/3gpp"
    if brand in _MP4_AUDIO_BRANDS:
        return "audio/mp4"
    # isom and iso2 to isoc name editions of the ISO base media file format.
    if brand.startswith(b"iso") or brand in _MP4_VIDEO_BRANDS:
        return "video/mp4"
    return None


def _mpeg_audio_mimetype(head: bytes) -> str | None:
    """Return ``audio/mpeg`` or ``audio/aac`` for a file that starts with a frame.

    Both formats are a plain run of frames without a file header. ``filetype``
    1.2 matches only the first two bytes of common frame headers. It misses
    MP3 frames with a CRC (``FF FA``) and MPEG 2.5 frames (8 to 12 kHz), and
    ADTS frames with a CRC (``FF F0``, ``FF F8``).
    """
    if len(head) < 4 or head[0] != 0xFF:
        return None
    # MPEG audio frame header (ISO/IEC 11172-3 and 13818-3): 11 sync bits, a
    # 2-bit version (01 reserved) and a 2-bit layer (01 is Layer III). Then come
    # a protection bit, a 4-bit bitrate index (1111 invalid) and a 2-bit sample
    # rate index (11 reserved).
    if head[1] & 0xE0 == 0xE0:
        version = (head[1] >> 3) & 0b11
        layer = (head[1] >> 1) & 0b11
        bitrate = head[2] >> 4
        sample_rate = (head[2] >> 2) & 0b11
        if version != 0b01 and layer == 0b01 and bitrate != 0xF and sample_rate != 0b11:
            return "audio/mpeg"
    # ADTS header of AAC (ISO/IEC 13818-7): 12 sync bits, the MPEG
    # version bit, a layer of 00, a protection bit, then a 2-bit profile and a
    # 4-bit sampling frequency index (13 and 14 reserved, 15 forbidden).
    if head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0xF <= 12:
        return "audio/aac"
    return None


def check_size(media_type: str, size: int) -> None:
    """Raise 413 when ``size`` bytes is over the limit of ``media_type``."""
    rule = RULES[media_type]
    if size > rule.max_bytes:
        raise MediaRejectedError(
            413,
            f"{media_type} media may be at most {rule.max_bytes // MIB} MiB; "
            f"this one is {size} bytes",
        )


def check_media(media_type: str, mimetype: str | None, data: bytes) -> str:
    """Check size and type of media; return the mimetype to send it with.

    ``mimetype`` is the declared type, or None when the sender named none (a
    URL served without a specific Content-Type): then the bytes alone decide.
    A declared type must be allowed for ``media_type``. Except for documents,
    the bytes must show a recognized format that is allowed too: a PNG declared
    as ``image/jpeg`` passes as ``image/png``, while a PDF or plain text
    declared as an image does not. Documents accept any bytes.

    Raises:
        MediaRejectedError: 413 over the size limit, 415 for a rejected type.
    """
    check_size(media_type, len(data))
    rule = RULES[media_type]
    if mimetype is not None and not rule.accepts(mimetype):
        raise MediaRejectedError(415, _rejection(media_type, base_mimetype(mimetype)))
    if not rule.mimetypes:
        return mimetype or sniff_mimetype(data[:512]) or UNKNOWN_MIMETYPE
    sniffed = sniff_mimetype(data[:512])
    if sniffed is not None and media_type == "audio":
        sniffed = _AUDIO_EQUIVALENTS.get(sniffed, sniffed)
    if sniffed is None:
        raise MediaRejectedError(
            415,
            f"the bytes are not in a recognized {media_type} format "
            f"(expected {_expected(media_type)})",
        )
    if mimetype is not None and sniffed == base_mimetype(mimetype):
        return mimetype
    if not rule.accepts(sniffed):
        raise MediaRejectedError(
            415,
            f"the bytes are {sniffed}, which cannot be sent as {media_type} "
            f"(expected {_expected(media_type)})",
        )
    return sniffed


def _rejection(media_type: str, mimetype: str) -> str:
    return f"{mimetype} cannot be sent as {media_type} (expected {_expected(media_type)})"


def _expected(media_type: str) -> str:
    """``image/jpeg, image/png or image/webp``: the accepted types as a phrase."""
    allowed = sorted(RULES[media_type].mimetypes)
    if len(allowed) == 1:
        return allowed[0]
    return ", ".join(allowed[:-1]) + " or " + allowed[-1]

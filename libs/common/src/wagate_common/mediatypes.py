"""Which media may be sent as which message type, and how large.

The api checks base64 media against these rules before storing it, and the
worker checks media fetched from a URL the same way, using the type found in
the bytes themselves rather than the one the server announced.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

MIB = 1024 * 1024


@dataclass(frozen=True)
class MediaRule:
    """The size limit and accepted mimetypes of one message type.

    An empty ``mimetypes`` accepts any (documents).
    """

    max_bytes: int
    mimetypes: frozenset[str]

    def accepts(self, mimetype: str) -> bool:
        """Whether ``mimetype`` (parameters ignored) may be sent as this type."""
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

# What ``filetype`` names some formats, and what WhatsApp calls them.
_SNIFFED_ALIASES = {
    "audio/x-m4a": "audio/mp4",
    "video/x-m4v": "video/mp4",
    "audio/x-wav": "audio/wav",
}


class MediaRejectedError(ValueError):
    """Media broke a rule; ``status`` is 413 (too large) or 415 (wrong type)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def base_mimetype(mimetype: str) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``, lower case."""
    return mimetype.split(";", 1)[0].strip().lower()


def sniff_mimetype(head: bytes) -> str | None:
    """Return the mimetype the first bytes of a file show, or None if unknown."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    mime = str(kind.mime)
    return _SNIFFED_ALIASES.get(mime, mime)


def check_size(media_type: str, size: int) -> None:
    """Raise 413 when ``size`` bytes is over the limit of ``media_type``."""
    rule = RULES[media_type]
    if size > rule.max_bytes:
        raise MediaRejectedError(
            413,
            f"{media_type} media may be at most {rule.max_bytes // MIB} MiB; "
            f"this one is {size} bytes",
        )


def check_media(media_type: str, mimetype: str, data: bytes) -> str:
    """Check size and type of media; return the mimetype to send it with.

    The declared ``mimetype`` must be allowed for ``media_type``, and when the
    bytes show a known format, that format must be allowed too: a PNG declared
    as ``image/jpeg`` passes as ``image/png``, a PDF declared as an image does not.
    Documents accept any type.

    Raises:
        MediaRejectedError: 413 over the size limit, 415 for a refused type.
    """
    check_size(media_type, len(data))
    rule = RULES[media_type]
    if not rule.accepts(mimetype):
        raise MediaRejectedError(415, _refusal(media_type, base_mimetype(mimetype)))
    if not rule.mimetypes:
        return mimetype
    sniffed = sniff_mimetype(data[:512])
    if sniffed is None or sniffed == base_mimetype(mimetype):
        return mimetype
    if not rule.accepts(sniffed):
        raise MediaRejectedError(
            415, f"the bytes are {sniffed}, which cannot be sent as {media_type}"
        )
    return sniffed


def _refusal(media_type: str, mimetype: str) -> str:
    allowed = ", ".join(sorted(RULES[media_type].mimetypes))
    return f"{mimetype} cannot be sent as {media_type}; allowed: {allowed}"

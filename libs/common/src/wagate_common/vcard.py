"""vCard 3.0 text of a contact card, as WhatsApp clients send it."""

from __future__ import annotations

import re

from wagate_common.jid import InvalidJidError, parse_jid

# Characters that end a vCard value or split it into components.
_SPECIAL = re.compile(r"([\\;,])")


def build_vcard(name: str, phone: str) -> str:
    """Return a vCard for ``name`` with ``phone`` as its mobile number.

    The ``waid`` parameter carries the digits, which makes WhatsApp show a
    "message" button for the contact when the number is on WhatsApp.
    """
    digits = _digits(phone)
    escaped = _SPECIAL.sub(r"\\\1", name.replace("\n", " "))
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:;{escaped};;;",
        f"FN:{escaped}",
        f"TEL;type=CELL;type=VOICE;waid={digits}:+{digits}",
        "END:VCARD",
    ]
    return "\r\n".join(lines) + "\r\n"


def phone_of_vcard(vcard: str) -> str | None:
    """Return the digits of the first ``waid`` (or else TEL) in a vCard, or None."""
    waid = re.search(r"waid=(\d+)", vcard)
    if waid is not None:
        return waid.group(1)
    # vCards end lines with CRLF (RFC 2426), though some clients send bare LF.
    tel = re.search(r"^TEL[^:]*:([+\d ()-]+)\r?$", vcard, re.MULTILINE)
    if tel is None:
        return None
    digits = re.sub(r"\D", "", tel.group(1))
    return digits or None


def _digits(phone: str) -> str:
    try:
        jid = parse_jid(phone)
    except InvalidJidError:
        return re.sub(r"\D", "", phone)
    return jid.phone or re.sub(r"\D", "", phone)

"""WhatsApp JIDs: parsing, and normalizing the notations callers use.

A JID is ``user[:device]@server``. Callers may also give a phone number in
any common notation (``+1 (555) 010-0001``, ``0015550100001``,
``15550100001``), which becomes a user JID on ``s.whatsapp.net``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

USER_SERVER = "s.whatsapp.net"
GROUP_SERVER = "g.us"
LID_SERVER = "lid"
NEWSLETTER_SERVER = "newsletter"
BROADCAST_SERVER = "broadcast"

# "c.us" is the legacy user server that some clients still print.
_SERVER_ALIASES = {"c.us": USER_SERVER}
_KNOWN_SERVERS = {
    USER_SERVER,
    GROUP_SERVER,
    LID_SERVER,
    NEWSLETTER_SERVER,
    BROADCAST_SERVER,
}

# E.164 allows at most 15 digits; real numbers are never shorter than 7.
_PHONE_DIGITS = re.compile(r"^[0-9]{7,15}$")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_USER_PART = {
    USER_SERVER: re.compile(r"^[0-9]{5,20}$"),
    LID_SERVER: re.compile(r"^[0-9]{5,20}$"),
    GROUP_SERVER: re.compile(r"^[0-9]{5,20}(-[0-9]{5,12})?$"),
    NEWSLETTER_SERVER: re.compile(r"^[0-9]{5,24}$"),
    BROADCAST_SERVER: re.compile(r"^(status|[0-9]{5,20})$"),
}


class InvalidJidError(ValueError):
    """A string is neither a phone number nor a JID."""

    def __init__(self, value: str) -> None:
        super().__init__(f"'{value}' is neither a phone number nor a WhatsApp JID")
        self.value = value


@dataclass(frozen=True, slots=True)
class Jid:
    """A parsed JID; ``device`` is 0 for the primary device."""

    user: str
    server: str
    device: int = 0

    def __str__(self) -> str:
        return f"{self.user}@{self.server}"

    @property
    def with_device(self) -> str:
        """The JID including its device suffix, as whatsmeow prints it."""
        if self.device:
            return f"{self.user}:{self.device}@{self.server}"
        return str(self)

    @property
    def is_group(self) -> bool:
        """Whether this is a group chat."""
        return self.server == GROUP_SERVER

    @property
    def is_lid(self) -> bool:
        """Whether this is a hidden-number (``@lid``) identifier."""
        return self.server == LID_SERVER

    @property
    def phone(self) -> str | None:
        """The phone number in E.164 digits, for user JIDs only."""
        return self.user if self.server == USER_SERVER else None


def parse_jid(value: str) -> Jid:
    """Parse a JID or a phone number into a :class:`Jid`.

    Raises:
        InvalidJidError: when ``value`` is neither.
    """
    text = value.strip()
    if "@" not in text:
        return Jid(user=normalize_phone(text), server=USER_SERVER)

    user_part, _, server = text.rpartition("@")
    server = _SERVER_ALIASES.get(server.lower(), server.lower())
    if server not in _KNOWN_SERVERS:
        raise InvalidJidError(value)

    user, _, device_text = user_part.partition(":")
    # whatsmeow writes an agent as "user.agent:device"; the agent never matters here.
    user = user.split(".", 1)[0] if server in (USER_SERVER, LID_SERVER) else user
    if not _USER_PART[server].match(user):
        raise InvalidJidError(value)

    device = _parse_device(device_text, value)
    return Jid(user=user, server=server, device=device)


def normalize_jid(value: str) -> str:
    """Return the canonical JID of ``value`` without any device suffix."""
    return str(parse_jid(value))


def normalize_group_jid(value: str) -> str:
    """Return the canonical JID of a group given with or without ``@g.us``.

    Raises:
        InvalidJidError: when ``value`` cannot be a group id.
    """
    text = value.strip()
    if "@" not in text:
        text = f"{text}@{GROUP_SERVER}"
    jid = parse_jid(text)
    if not jid.is_group:
        raise InvalidJidError(value)
    return str(jid)


def normalize_phone(value: str) -> str:
    """Return the E.164 digits of a phone number in any common notation.

    Raises:
        InvalidJidError: when ``value`` is not a plausible phone number.
    """
    digits = _PHONE_PUNCTUATION.sub("", value.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not _PHONE_DIGITS.match(digits):
        raise InvalidJidError(value)
    return digits


def mask_phone(phone: str) -> str:
    """Return a phone number with all but its last four digits hidden, for logs."""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def _parse_device(text: str, original: str) -> int:
    if not text:
        return 0
    if not text.isdigit() or int(text) > 65535:
        raise InvalidJidError(original)
    return int(text)

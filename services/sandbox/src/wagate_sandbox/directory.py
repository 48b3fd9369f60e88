"""Who is on the sandbox's WhatsApp, and the profile pictures it shows.

Rules, chosen so that tests can see both answers:

- every phone number of 7 to 15 digits is on WhatsApp, except numbers whose
  last four digits are ``0000`` (such as ``15550100000``);
- a user on WhatsApp, and a group, has a profile picture at a stable URL
  under ``https://pps.sandbox.invalid/``; ``.invalid`` is a reserved domain
  (RFC 2606), so nothing is ever served there.
"""

from __future__ import annotations

from wagate_common.jid import InvalidJidError, normalize_phone

NOT_ON_WHATSAPP_SUFFIX = "0000"
PICTURE_BASE_URL = "https://pps.sandbox.invalid/v"


def is_on_whatsapp(phone: str) -> bool:
    """Return whether a phone number (any notation) is on the sandbox's WhatsApp."""
    try:
        digits = normalize_phone(phone)
    except InvalidJidError:
        return False
    return not digits.endswith(NOT_ON_WHATSAPP_SUFFIX)


def picture_url(user: str) -> str:
    """Return the profile picture URL of a user's digits or a group's id part."""
    return f"{PICTURE_BASE_URL}/{user}.jpg"

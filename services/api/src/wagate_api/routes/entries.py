"""Normalizing the phone numbers and JIDs of the contacts and groups routes.

Lists (phones to check, participants to change) are normalized entry by
entry, so a malformed entry fails in its own result row while the others
are still sent to the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wagate_common.errors import ErrorCode, WagateError
from wagate_common.jid import (
    LID_SERVER,
    USER_SERVER,
    InvalidJidError,
    normalize_group_jid,
    normalize_phone,
    parse_jid,
)


class InvalidEntryError(ValueError):
    """An entry does not fit its field; the message names the entry and the problem."""


@dataclass(frozen=True)
class Entry:
    """One list entry as the caller wrote it, and its normalized value or error."""

    input: str
    value: str | None
    error: str | None


def user_jid(value: str) -> str:
    """Return the canonical user JID (``@s.whatsapp.net`` or ``@lid``) of ``value``.

    Raises:
        InvalidEntryError: when ``value`` is neither a phone number nor a user JID.
    """
    try:
        jid = parse_jid(value)
    except InvalidJidError as error:
        raise InvalidEntryError(
            f"'{value}' is neither a phone number nor a user JID"
        ) from error
    if jid.server not in (USER_SERVER, LID_SERVER):
        raise InvalidEntryError(f"'{value}' is a {jid.server} JID, not a user JID")
    return str(jid)


def phone_digits(value: str) -> str:
    """Return the E.164 digits of a phone number in any common notation.

    Raises:
        InvalidEntryError: when ``value`` is not a phone number.
    """
    try:
        return normalize_phone(value)
    except InvalidJidError as error:
        raise InvalidEntryError(
            f"'{value}' is not a phone number; use 7 to 15 digits, "
            "optionally with + and the usual punctuation"
        ) from error


def group_jid(value: str) -> str:
    """Return the group JID of a path's ``groupId``, given with or without ``@g.us``.

    Raises:
        WagateError: 400 ``VALIDATION_ERROR`` when ``value`` cannot be a group id.
    """
    try:
        return normalize_group_jid(value)
    except InvalidJidError as error:
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            f"'{value}' is not a group id; use the group's JID, such as "
            "120363000000000001@g.us, or its part before the @",
            {"fields": [{"field": "groupId", "message": "not a group id"}]},
        ) from error


def path_user_jid(value: str) -> str:
    """Return the user JID of a path's ``jid``.

    Raises:
        WagateError: 400 ``VALIDATION_ERROR`` when it is neither a phone
            number nor a user JID.
    """
    try:
        return user_jid(value)
    except InvalidEntryError as error:
        raise WagateError(
            400,
            ErrorCode.VALIDATION_ERROR,
            str(error),
            {"fields": [{"field": "jid", "message": "not a phone number or user JID"}]},
        ) from error


def normalize_entries(inputs: list[str], normalize: Callable[[str], str]) -> list[Entry]:
    """Normalize each entry on its own, so an invalid one keeps its own error."""
    entries = []
    for value in inputs:
        try:
            entries.append(Entry(input=value, value=normalize(value), error=None))
        except InvalidEntryError as error:
            entries.append(Entry(input=value, value=None, error=str(error)))
    return entries


def distinct_values(entries: list[Entry]) -> list[str]:
    """Return the normalized values of the valid entries, each once, in input order."""
    return list(dict.fromkeys(entry.value for entry in entries if entry.value))


def reject_invalid(field: str, entries: list[Entry], message: str) -> None:
    """Raise 400 ``VALIDATION_ERROR`` listing every invalid entry, if there is one.

    Raises:
        WagateError: naming each invalid entry as ``<field>.<index>``.
    """
    fields = [
        {"field": f"{field}.{index}", "message": entry.error}
        for index, entry in enumerate(entries)
        if entry.error is not None
    ]
    if fields:
        raise WagateError(400, ErrorCode.VALIDATION_ERROR, message, {"fields": fields})


def require_one_valid(field: str, entries: list[Entry]) -> None:
    """Raise 400 ``VALIDATION_ERROR`` when no entry normalized.

    Raises:
        WagateError: naming each entry as ``<field>.<index>``.
    """
    if not any(entry.value for entry in entries):
        reject_invalid(
            field,
            entries,
            f"no entry of {field} is valid, so nothing was sent; fix the entries "
            "listed in details.fields",
        )

"""Checking the requests the sandbox receives; every failure is a 400 reply."""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from wagate_common.errors import ErrorCode, WagateError
from wagate_common.jid import InvalidJidError, normalize_jid, normalize_phone

# Session ids become a subject token (wagate.sbx.dev.<session>), so dots and
# wildcards must not get through. The api validates session ids the same way.
SESSION_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TEXT_LENGTH = 65536
MAX_ID_LENGTH = 128
MAX_MENTIONS = 1024
MAX_INBOX_LIMIT = 500

RequestModel = TypeVar("RequestModel", bound=BaseModel)


def invalid_request(message: str) -> WagateError:
    """Return the error for a request that does not validate."""
    return WagateError(400, ErrorCode.VALIDATION_ERROR, f"invalid request: {message}")


def parse_request(model: type[RequestModel], raw: bytes) -> RequestModel:
    """Parse a request's JSON into ``model``.

    Raises:
        WagateError: 400 naming each invalid field, or saying the body is not JSON.
    """
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise invalid_request(_describe(error)) from error


def check_session_id(value: str) -> str:
    """Return ``value`` if it is a valid session id, else raise a 400 error."""
    if not SESSION_ID_PATTERN.match(value):
        raise invalid_request(
            f"sessionId '{value[:80]}' must match {SESSION_ID_PATTERN.pattern}"
        )
    return value


def check_phone(value: str, field: str) -> str:
    """Return the E.164 digits of a phone number, or raise a 400 error."""
    try:
        return normalize_phone(value)
    except InvalidJidError as error:
        raise invalid_request(
            f"{field} '{value[:80]}' is not a phone number such as +1 555 010 0002"
        ) from error


def check_group_jid(value: str, field: str) -> str:
    """Return the canonical JID of a group, or raise a 400 error."""
    try:
        jid = normalize_jid(value)
    except InvalidJidError as error:
        raise invalid_request(f"{field} '{value[:80]}' is not a JID") from error
    if not jid.endswith("@g.us"):
        raise invalid_request(f"{field} '{value[:80]}' is not a group JID (…@g.us)")
    return jid


def check_text(value: str) -> str:
    """Return a message text of 1 to 65536 characters, or raise a 400 error."""
    if not value:
        raise invalid_request("text must not be empty")
    if len(value) > MAX_TEXT_LENGTH:
        raise invalid_request(f"text is longer than {MAX_TEXT_LENGTH} characters")
    return value


def check_id(value: str, field: str) -> str:
    """Return a message id of 1 to 128 characters, or raise a 400 error."""
    if not 0 < len(value) <= MAX_ID_LENGTH:
        raise invalid_request(f"{field} must have 1 to {MAX_ID_LENGTH} characters")
    return value


def check_optional_id(value: str | None, field: str) -> str | None:
    """Return None or a message id of 1 to 128 characters, or raise a 400 error."""
    return None if value is None else check_id(value, field)


def check_mentions(values: list[str]) -> list[str]:
    """Return the canonical JIDs of mentioned users, or raise a 400 error."""
    if len(values) > MAX_MENTIONS:
        raise invalid_request(f"mentions has more than {MAX_MENTIONS} entries")
    mentions = []
    for value in values:
        try:
            mentions.append(normalize_jid(value))
        except InvalidJidError as error:
            raise invalid_request(f"mention '{value[:80]}' is not a JID") from error
    return mentions


def check_inbox_limit(value: int) -> int:
    """Return an inbox page size of 1 to 500, or raise a 400 error."""
    if not 0 < value <= MAX_INBOX_LIMIT:
        raise invalid_request(f"limit must be between 1 and {MAX_INBOX_LIMIT}")
    return value


def _describe(error: ValidationError) -> str:
    problems = []
    for detail in error.errors(include_url=False, include_input=False):
        if detail["type"] == "json_invalid":
            return "the body is not valid JSON"
        location = ".".join(str(part) for part in detail["loc"]) or "body"
        problems.append(f"{location}: {detail['msg']}")
    return "; ".join(problems)

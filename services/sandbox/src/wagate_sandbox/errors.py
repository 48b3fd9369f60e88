"""The errors the sandbox replies with, in the api's terms."""

from __future__ import annotations

from wagate_common.errors import ConflictError, ErrorCode, NotFoundError, WagateError


def token_rejected() -> WagateError:
    """Return the error for a device token that is unknown or revoked.

    A driver that gets it drops its auth data: the device must pair again.
    """
    return WagateError(
        401,
        ErrorCode.UNAUTHORIZED,
        "the device token is unknown or revoked; the device must pair again",
    )


def not_linked(session_id: str) -> WagateError:
    """Return the error for a session that no sandbox phone is linked to."""
    return ConflictError(
        ErrorCode.SANDBOX_CONFLICT,
        f"session '{session_id}' is not linked to a sandbox phone; "
        "connect it and pair it first",
    )


def not_connected(session_id: str) -> WagateError:
    """Return the error for a session whose device is offline."""
    return ConflictError(
        ErrorCode.SESSION_NOT_CONNECTED,
        f"session '{session_id}' is not connected to the sandbox network",
    )


def group_not_found(group_jid: str) -> WagateError:
    """Return the error for a group the sandbox does not know."""
    return NotFoundError(ErrorCode.GROUP_NOT_FOUND, "sandbox group", group_jid)


def message_not_found(message_id: str, where: str) -> WagateError:
    """Return the 404 of a message that is not ``where`` the sandbox looked.

    ``where`` continues the sentence, such as ``in session 'shop'``.
    """
    return WagateError(
        404, ErrorCode.NOT_FOUND, f"message '{message_id}' not found {where}"
    )

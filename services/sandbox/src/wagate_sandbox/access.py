"""Authenticating a device's requests and reading its linked account."""

from __future__ import annotations

import secrets

from wagate_common.jid import USER_SERVER
from wagate_common.schemas.sessions import Account
from wagate_sandbox.devices import Device, DeviceRepository
from wagate_sandbox.errors import not_connected, token_rejected


async def authenticate(devices: DeviceRepository, session_id: str, token: str) -> Device:
    """Return the device whose token is ``token``, or raise 401 ``UNAUTHORIZED``."""
    device = await devices.get(session_id)
    if device is None or device.token is None:
        raise token_rejected()
    if not secrets.compare_digest(device.token.encode(), token.encode()):
        raise token_rejected()
    return device


async def online_account(
    devices: DeviceRepository, session_id: str, token: str
) -> Account:
    """Return the account of an authenticated, online device.

    Raises 401 for a bad token and 409 ``SESSION_NOT_CONNECTED`` when offline.
    """
    device = await authenticate(devices, session_id, token)
    if not device.online:
        raise not_connected(session_id)
    return account_of(device)


def account_of(device: Device) -> Account:
    """Return a linked device's account, or raise 401 for an unlinked one."""
    if device.account is None:
        raise token_rejected()
    return device.account


def user_jid(phone: str) -> str:
    """Return the user JID of E.164 digits."""
    return f"{phone}@{USER_SERVER}"

"""The sandbox driver's auth data: a token and the linked account, as JSON."""

from __future__ import annotations

import pytest

from wagate_common.schemas.sessions import Account
from wagate_worker.drivers.sandbox import InvalidAuthDataError, StoredAuth


def test_stored_auth_round_trip() -> None:
    account = Account(
        jid="15550100002@s.whatsapp.net", phone="15550100002", push_name="Al"
    )
    stored = StoredAuth(token="secret-token", account=account)

    assert StoredAuth.from_bytes(stored.to_bytes()) == stored


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b'{"me": {"jid": "1@s.whatsapp.net"}}',
        b'{"token": "", "me": {"jid": "1@s.whatsapp.net"}}',
        b'{"token": "t"}',
    ],
)
def test_stored_auth_rejects_malformed_data(data: bytes) -> None:
    with pytest.raises(InvalidAuthDataError):
        StoredAuth.from_bytes(data)

"""The sandbox driver's auth data: the device token and its linked account, as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from wagate_common.schemas.sessions import Account


class InvalidAuthDataError(ValueError):
    """Stored auth data that the sandbox driver cannot read."""


@dataclass(frozen=True)
class StoredAuth:
    """Auth data of a sandbox device: its token and the account it is linked to."""

    token: str
    account: Account

    def to_bytes(self) -> bytes:
        """Serialize for the AuthStore."""
        me = self.account.model_dump(by_alias=True, mode="json")
        return json.dumps({"token": self.token, "me": me}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> StoredAuth:
        """Parse what :meth:`to_bytes` wrote.

        Raises:
            InvalidAuthDataError: when the data is not such a document.
        """
        try:
            document = json.loads(data)
        except ValueError as error:
            raise InvalidAuthDataError("sandbox auth data is not JSON") from error
        token = document.get("token") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise InvalidAuthDataError("sandbox auth data has no token")
        try:
            account = Account.model_validate(document.get("me"))
        except ValidationError as error:
            raise InvalidAuthDataError(
                "sandbox auth data has no valid account"
            ) from error
        return cls(token=token, account=account)

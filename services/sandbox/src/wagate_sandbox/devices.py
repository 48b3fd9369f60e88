"""The ``sandbox_devices`` collection: each session's device and its link.

A device is created the first time its session connects. It is linked once a
phone pairs with it: the link is the device's token and the phone's account.
``online`` is true between a successful connect and a disconnect, a drop or an
unanswered push. ``pairing`` records a pairing in progress ("qr" or "code"),
so that a restarted sandbox can tell the devices it left waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import utc_now
from wagate_common.schemas.sessions import Account
from wagate_common.storage.database import Document
from wagate_sandbox.database import DEVICES

PairingMode = Literal["qr", "code"]


@dataclass(frozen=True)
class Device:
    """A session's device as stored."""

    session_id: str
    token: str | None
    account: Account | None
    online: bool
    pairing: PairingMode | None

    @property
    def is_linked(self) -> bool:
        """Whether a phone has paired with the device and not unlinked it since."""
        return self.token is not None and self.account is not None


class DeviceRepository:
    """Devices, their links to phones and whether they are online."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db[DEVICES]

    async def get(self, session_id: str) -> Device | None:
        """Return a session's device, or None when the session never connected."""
        document = await self._collection.find_one({"_id": session_id})
        return _to_device(document) if document else None

    async def ensure(self, session_id: str) -> Device:
        """Return a session's device, creating an unlinked, offline one if needed."""
        now = utc_now()
        await self._collection.update_one(
            {"_id": session_id},
            {
                "$setOnInsert": {
                    "token": None,
                    "account": None,
                    "online": False,
                    "pairing": None,
                    "createdAt": now,
                    "updatedAt": now,
                }
            },
            upsert=True,
        )
        device = await self.get(session_id)
        assert device is not None  # created just above
        return device

    async def link(self, session_id: str, token: str, account: Account) -> None:
        """Store a new link; the device is no longer pairing and not yet online."""
        await self._set(
            session_id,
            {
                "token": token,
                "account": account.model_dump(by_alias=True),
                "online": False,
                "pairing": None,
                "linkedAt": utc_now(),
            },
        )

    async def unlink(self, session_id: str) -> None:
        """Revoke the device's token and forget its account."""
        await self._set(
            session_id, {"token": None, "account": None, "online": False, "pairing": None}
        )

    async def set_online(self, session_id: str, online: bool) -> None:
        """Record whether the device is connected."""
        await self._set(session_id, {"online": online})

    async def set_pairing(self, session_id: str, mode: PairingMode | None) -> None:
        """Record that the device is pairing, in ``mode``, or that it stopped."""
        await self._set(session_id, {"pairing": mode})

    async def find_linked_to(self, phone: str) -> list[Device]:
        """Return every device linked to the account of ``phone``."""
        found = self._collection.find({"account.phone": phone, "token": {"$ne": None}})
        return [_to_device(document) async for document in found]

    async def find_pairing(self) -> list[Device]:
        """Return every device recorded as pairing."""
        found = self._collection.find({"pairing": {"$ne": None}})
        return [_to_device(document) async for document in found]

    async def _set(self, session_id: str, fields: dict[str, Any]) -> None:
        await self._collection.update_one(
            {"_id": session_id}, {"$set": {**fields, "updatedAt": utc_now()}}
        )


def _to_device(document: Document) -> Device:
    account = document.get("account")
    return Device(
        session_id=document["_id"],
        token=document.get("token"),
        account=Account.model_validate(account) if account else None,
        online=bool(document.get("online")),
        pairing=document.get("pairing"),
    )

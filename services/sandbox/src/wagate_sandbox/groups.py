"""The ``sandbox_groups`` collection: groups of sandbox phones and sessions.

A group is network-wide: its JID, subject, description, owner (the phone or
session account that created it, a superadmin), admins, participants, all
as user JIDs, the ``announce`` (only admins send) and ``locked`` (only
admins edit the group's info) settings, and its invite code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import isoformat
from wagate_common.jid import parse_jid
from wagate_common.storage.database import Document
from wagate_sandbox.database import GROUPS

# ``.invalid`` is reserved (RFC 2606): these links lead nowhere.
INVITE_BASE_URL = "https://chat.sandbox.invalid/"
INVITE_CODE_BYTES = 16


def new_invite_code() -> str:
    """Return a random invite code of 22 URL-safe characters."""
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


@dataclass(frozen=True)
class Group:
    """A group chat on the sandbox network."""

    jid: str
    subject: str
    owner: str
    participants: list[str]
    created_at: datetime
    admins: list[str] = field(default_factory=list)
    description: str | None = None
    announce: bool = False
    locked: bool = False
    invite_code: str = field(default_factory=new_invite_code)

    def has_member(self, jid: str) -> bool:
        """Return whether ``jid`` is a participant."""
        return jid in self.participants

    def is_admin(self, jid: str) -> bool:
        """Return whether ``jid`` is the owner or an admin, and a participant."""
        return self.has_member(jid) and (jid == self.owner or jid in self.admins)

    def role_of(self, jid: str) -> str | None:
        """Return ``superadmin`` for the owner, ``admin`` for admins, else None."""
        if jid == self.owner:
            return "superadmin"
        return "admin" if jid in self.admins else None

    def member_phones(self) -> list[str]:
        """Return the phone number of every participant."""
        return [parse_jid(jid).user for jid in self.participants]

    @property
    def invite_link(self) -> str:
        """The group's current invite link."""
        return INVITE_BASE_URL + self.invite_code

    def with_changes(self, **changes: Any) -> Group:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)

    def to_public(self) -> dict[str, Any]:
        """Return the group in the shape of the reply data of api and driver requests.

        ``admins`` lists the owner first, then the other admins.
        """
        admins = [self.owner] if self.owner in self.participants else []
        admins += [jid for jid in self.admins if jid != self.owner]
        return {
            "id": self.jid,
            "subject": self.subject,
            "description": self.description,
            "owner": self.owner,
            "participants": list(self.participants),
            "admins": admins,
            "announce": self.announce,
            "locked": self.locked,
            "createdAt": isoformat(self.created_at),
        }


class GroupRepository:
    """Groups by JID."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db[GROUPS]

    async def create(self, group: Group) -> None:
        """Store a new group."""
        await self._collection.insert_one({"_id": group.jid, **_fields(group)})

    async def save(self, group: Group) -> None:
        """Replace a stored group with ``group``."""
        await self._collection.replace_one({"_id": group.jid}, _fields(group))

    async def get(self, jid: str) -> Group | None:
        """Return a group by JID, or None."""
        document = await self._collection.find_one({"_id": jid})
        return _to_group(document) if document else None

    async def find_with_member(self, jid: str) -> list[Group]:
        """Return every group ``jid`` is a participant of, oldest first."""
        found = self._collection.find({"participants": jid}).sort("createdAt", 1)
        return [_to_group(document) async for document in found]


def _fields(group: Group) -> Document:
    return {
        "subject": group.subject,
        "description": group.description,
        "owner": group.owner,
        "participants": list(group.participants),
        "admins": list(group.admins),
        "announce": group.announce,
        "locked": group.locked,
        "inviteCode": group.invite_code,
        "createdAt": group.created_at,
    }


def _to_group(document: Document) -> Group:
    return Group(
        jid=document["_id"],
        subject=document["subject"],
        owner=document["owner"],
        participants=list(document["participants"]),
        created_at=document["createdAt"],
        admins=list(document.get("admins", [])),
        description=document.get("description"),
        announce=bool(document.get("announce")),
        locked=bool(document.get("locked")),
        invite_code=document.get("inviteCode") or new_invite_code(),
    )

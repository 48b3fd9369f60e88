"""The ``sandbox_groups`` collection: groups that sandbox phones created.

A group is network-wide: its JID, subject, owner (the phone that created it)
and participants, all as user JIDs. A session's account is a participant of
the groups created with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from wagate_common.ids import isoformat
from wagate_common.jid import parse_jid
from wagate_common.storage.database import Document
from wagate_sandbox.database import GROUPS


@dataclass(frozen=True)
class Group:
    """A group chat on the sandbox network."""

    jid: str
    subject: str
    owner: str
    participants: list[str]
    created_at: datetime

    def has_member(self, jid: str) -> bool:
        """Return whether ``jid`` is a participant."""
        return jid in self.participants

    def member_phones(self) -> list[str]:
        """Return the phone number of every participant."""
        return [parse_jid(jid).user for jid in self.participants]

    def to_public(self) -> dict[str, Any]:
        """Return the group in the shape of the api's reply data."""
        return {
            "id": self.jid,
            "subject": self.subject,
            "owner": self.owner,
            "participants": list(self.participants),
            "createdAt": isoformat(self.created_at),
        }


class GroupRepository:
    """Groups by JID."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db[GROUPS]

    async def create(self, group: Group) -> None:
        """Store a new group."""
        await self._collection.insert_one(
            {
                "_id": group.jid,
                "subject": group.subject,
                "owner": group.owner,
                "participants": group.participants,
                "createdAt": group.created_at,
            }
        )

    async def get(self, jid: str) -> Group | None:
        """Return a group by JID, or None."""
        document = await self._collection.find_one({"_id": jid})
        if document is None:
            return None
        return Group(
            jid=document["_id"],
            subject=document["subject"],
            owner=document["owner"],
            participants=list(document["participants"]),
            created_at=document["createdAt"],
        )

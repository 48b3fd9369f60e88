"""Reading the reply data of the sandbox network's live requests.

A reply that lacks a field the network always sends is a bug on one side;
it raises :class:`DriverRequestError` 502 rather than a ``KeyError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wagate_worker.drivers.base import (
    Contact,
    DriverRequestError,
    GroupInfo,
    GroupParticipant,
    ParticipantResult,
    PhoneCheck,
)


def invalid_reply(operation: str, error: Exception) -> DriverRequestError:
    """Return the error for reply data that does not have the expected shape."""
    return DriverRequestError(
        502,
        "INTERNAL_ERROR",
        f"the sandbox network's {operation} reply is invalid: {type(error).__name__}",
    )


def contact_of(data: dict[str, Any]) -> Contact:
    """Return a contact from ``{"jid", "phone", "name", "pushName"}``."""
    return Contact(
        jid=str(data["jid"]),
        phone=data.get("phone"),
        name=data.get("name"),
        push_name=data.get("pushName"),
    )


def phone_check_of(data: dict[str, Any]) -> PhoneCheck:
    """Return one row of a ``check`` reply."""
    return PhoneCheck(
        phone=str(data["phone"]),
        on_whatsapp=bool(data["onWhatsApp"]),
        jid=data.get("jid"),
    )


def group_of(data: dict[str, Any]) -> GroupInfo:
    """Return a group from the network's group shape.

    The owner is the superadmin; ``admins`` lists the owner and the admins.
    """
    owner = data.get("owner")
    admins = set(data.get("admins", []))
    participants = []
    for jid in data["participants"]:
        role: Any = None
        if jid == owner:
            role = "superadmin"
        elif jid in admins:
            role = "admin"
        participants.append(
            GroupParticipant(jid=jid, admin=role, phone=str(jid).split("@", 1)[0])
        )
    created = data.get("createdAt")
    return GroupInfo(
        id=str(data["id"]),
        subject=str(data["subject"]),
        description=data.get("description"),
        owner=owner,
        created_at=datetime.fromisoformat(created) if created else None,
        announce=bool(data.get("announce")),
        locked=bool(data.get("locked")),
        participants=participants,
    )


def participant_result_of(data: dict[str, Any]) -> ParticipantResult:
    """Return one row of a ``participants`` reply."""
    return ParticipantResult(
        jid=str(data["jid"]), ok=bool(data["ok"]), error=data.get("error")
    )

"""neonize's replies to live requests (contacts, phone checks, groups) as driver results.

Pure functions over neonize's protobuf replies; nothing here calls its Go
library.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from neonize.proto import Neonize_pb2 as neonize

from wagate_common.jid import USER_SERVER, InvalidJidError, parse_jid
from wagate_worker.drivers.base import (
    Contact,
    GroupInfo,
    GroupParticipant,
    ParticipantResult,
    PhoneCheck,
)
from wagate_worker.drivers.whatsapp.translate import jid_string

# whatsmeow reports one code per participant of a participants change;
# these texts are what WhatsApp's apps show for them.
_PARTICIPANT_ERRORS = {
    401: "not authorized: the account is not an admin of the group",
    403: "not allowed by the person's privacy settings; they can be invited instead",
    404: "not on WhatsApp",
    406: "not allowed: the person cannot be added to groups",
    408: "the person left the group recently and cannot be added again yet",
    409: "already in that state: a member when adding, not a member when removing",
    500: "the group is full",
}
NO_RESULT = "WhatsApp returned no result for this participant"


def contact_from(contact: neonize.Contact) -> Contact | None:
    """Return a contact of the account's contact store, or None without a JID."""
    jid = jid_string(contact.JID)
    if jid is None:
        return None
    return contact_of(jid, contact.Info)


def contact_of(jid: str, info: neonize.ContactInfo) -> Contact:
    """Return the contact ``jid`` with the names the store has for it."""
    return Contact(
        jid=jid,
        phone=_phone_digits(jid),
        name=info.FullName or info.FirstName or None,
        push_name=info.PushName or None,
        business_name=info.BusinessName or None,
    )


def phone_checks(
    phones: list[str], responses: Sequence[neonize.IsOnWhatsAppResponse]
) -> list[PhoneCheck]:
    """Return one check per phone, in input order, matching replies by their digits.

    A phone WhatsApp returned nothing for is reported as not on WhatsApp.
    """
    by_digits: dict[str, neonize.IsOnWhatsAppResponse] = {}
    for response in responses:
        digits = "".join(character for character in response.Query if character.isdigit())
        by_digits[digits] = response
    checks = []
    for phone in phones:
        found = by_digits.get(phone)
        on_whatsapp = found is not None and found.IsIn
        jid = jid_string(found.JID) if found is not None and on_whatsapp else None
        checks.append(PhoneCheck(phone=phone, on_whatsapp=on_whatsapp, jid=jid))
    return checks


def group_from(info: neonize.GroupInfo) -> GroupInfo:
    """Return a group as whatsmeow describes it.

    ``owner`` is the owner's phone-number JID when whatsmeow has it, since
    the owner JID itself may be an ``@lid``.
    """
    # NOTE: neonize 0.5.2 encodes the creation time as a 32-bit float of Unix
    # seconds, so ``created_at`` can be up to about a minute off.
    created = int(info.GroupCreated)
    return GroupInfo(
        id=jid_string(info.JID) or "",
        subject=info.GroupName.Name,
        description=info.GroupTopic.Topic or None,
        owner=jid_string(info.OwnerPN) or jid_string(info.OwnerJID),
        created_at=datetime.fromtimestamp(created, UTC) if created > 0 else None,
        announce=info.GroupAnnounce.IsAnnounce,
        locked=info.GroupLocked.isLocked,
        participants=[
            participant
            for participant in map(_participant, info.Participants)
            if participant is not None
        ],
    )


def participant_results(
    requested: list[str], rows: Sequence[neonize.GroupParticipant]
) -> list[ParticipantResult]:
    """Return one result per requested JID, in request order.

    whatsmeow returns rows in its own order and may name a person by their
    ``@lid`` when the request named their phone, so rows are matched by any
    of their JIDs.
    """
    by_jid: dict[str, neonize.GroupParticipant] = {}
    for row in rows:
        for alias in (row.JID, row.LID, row.PhoneNumber):
            text = jid_string(alias)
            if text is not None:
                by_jid.setdefault(text, row)
    results = []
    for requested_jid in requested:
        found = by_jid.get(requested_jid)
        if found is None:
            results.append(
                ParticipantResult(jid=requested_jid, ok=False, error=NO_RESULT)
            )
        elif found.Error:
            code = found.Error
            error = _PARTICIPANT_ERRORS.get(code, f"WhatsApp error {code}")
            results.append(ParticipantResult(jid=requested_jid, ok=False, error=error))
        else:
            results.append(ParticipantResult(jid=requested_jid, ok=True))
    return results


def _participant(row: neonize.GroupParticipant) -> GroupParticipant | None:
    jid = jid_string(row.JID)
    if jid is None:
        return None
    admin: str | None = None
    if row.IsSuperAdmin:
        admin = "superadmin"
    elif row.IsAdmin:
        admin = "admin"
    return GroupParticipant(
        jid=jid,
        admin=admin,  # type: ignore[arg-type]
        phone=_member_phone(row),
    )


def _member_phone(row: neonize.GroupParticipant) -> str | None:
    """Return a member's phone number (digits), also for a member named by ``@lid``."""
    for jid in (row.JID, row.PhoneNumber):
        if jid.Server == USER_SERVER and jid.User:
            return str(jid.User)
    return None


def _phone_digits(jid: str) -> str | None:
    try:
        parsed = parse_jid(jid)
    except InvalidJidError:
        return None
    return parsed.user if parsed.server == USER_SERVER else None

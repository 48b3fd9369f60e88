"""Changes to groups made by phones or sessions, and the pushes they cause.

The same rules apply to both. Only admins add, remove, promote or demote
participants, change the settings or read the invite link, but anyone may
remove themselves (leave the group). Every participant may change the
subject and description unless the group is ``locked``. Each change is pushed to every
session linked to a participant's account, the acting session included, as
WhatsApp tells every member's devices.
"""

from __future__ import annotations

from typing import Any

from wagate_common.errors import ErrorCode, WagateError
from wagate_common.ids import utc_now
from wagate_common.jid import USER_SERVER, InvalidJidError, parse_jid
from wagate_common.schemas.sandbox import (
    GroupAction,
    PushGroupParticipants,
    PushGroupUpdate,
)
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.directory import is_on_whatsapp
from wagate_sandbox.errors import group_not_found
from wagate_sandbox.groups import Group, GroupRepository, new_invite_code
from wagate_sandbox.validation import invalid_request

MAX_SUBJECT_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2048
# A sandbox group has at most 1024 members, its creator included.
MAX_GROUP_SIZE = 1024


def forbidden(message: str) -> WagateError:
    """Return the error for a group change the actor may not make."""
    return WagateError(403, ErrorCode.FORBIDDEN, message)


def check_subject(value: str) -> str:
    """Return a stripped subject of 1 to 100 characters, or raise a 400 error."""
    subject = value.strip()
    if not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        raise invalid_request(f"subject must have 1 to {MAX_SUBJECT_LENGTH} characters")
    return subject


def user_jid_of(value: str) -> str | None:
    """Return the user JID of a phone number or user JID, or None if it is neither."""
    try:
        jid = parse_jid(value)
    except InvalidJidError:
        return None
    if jid.server != USER_SERVER:
        return None
    return f"{jid.user}@{USER_SERVER}"


class GroupChanges:
    """Loads, changes and stores groups, and pushes each change to member sessions."""

    def __init__(
        self,
        groups: GroupRepository,
        devices: DeviceRepository,
        delivery: MessageDelivery,
    ) -> None:
        self._groups = groups
        self._devices = devices
        self._delivery = delivery

    async def load(self, jid: str) -> Group:
        """Return a group, or raise 404 ``GROUP_NOT_FOUND``."""
        group = await self._groups.get(jid)
        if group is None:
            raise group_not_found(jid)
        return group

    async def load_for_member(self, jid: str, member: str) -> Group:
        """Return a group ``member`` is in; 404 otherwise, as for an unknown group."""
        group = await self.load(jid)
        if not group.has_member(member):
            raise group_not_found(jid)
        return group

    async def change_participants(
        self, group: Group, actor: str, action: GroupAction, inputs: list[str]
    ) -> tuple[Group, list[dict[str, Any]]]:
        """Apply one action to each input in order; return the group and one row each.

        A row is ``{"jid", "ok", "error"}``; an input that fails does not stop
        the others. Raises 403 ``FORBIDDEN`` when the actor is not an admin,
        unless the actor only removes itself.
        """
        leaving = action == "remove" and all(user_jid_of(i) == actor for i in inputs)
        if not group.is_admin(actor) and not leaving:
            raise forbidden(f"'{actor}' is not an admin of group '{group.jid}'")

        participants = list(group.participants)
        admins = list(group.admins)
        rows: list[dict[str, Any]] = []
        for value in inputs:
            jid = user_jid_of(value)
            error = None
            if jid is None:
                error = "not a phone number or user JID"
            else:
                error = _apply(action, jid, group.owner, participants, admins)
            rows.append({"jid": jid or value, "ok": error is None, "error": error})

        changed = group.with_changes(participants=participants, admins=admins)
        done = [str(row["jid"]) for row in rows if row["ok"]]
        if done:
            await self._groups.save(changed)
            push = PushGroupParticipants(
                group=group.jid,
                action=action,
                participants=done,
                by=actor,
                timestamp=utc_now(),
            )
            await self.notify(push, group, changed)
        return changed, rows

    async def update(
        self,
        group: Group,
        actor: str,
        *,
        subject: str | None = None,
        description: str | None = None,
        announce: bool | None = None,
        locked: bool | None = None,
    ) -> Group:
        """Change the fields given, store the group and tell the member sessions.

        Raises 400 for an invalid subject or description, and 403 ``FORBIDDEN``
        for a change the actor may not make.
        """
        if not group.has_member(actor):
            raise forbidden(f"'{actor}' is not a participant of group '{group.jid}'")
        if subject is not None:
            subject = check_subject(subject)
        if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
            raise invalid_request(
                f"description is longer than {MAX_DESCRIPTION_LENGTH} characters"
            )
        is_admin = group.is_admin(actor)
        if (announce is not None or locked is not None) and not is_admin:
            raise forbidden(f"only admins change the settings of group '{group.jid}'")
        edits_info = subject is not None or description is not None
        if edits_info and group.locked and not is_admin:
            raise forbidden(f"group '{group.jid}' is locked: only admins edit it")

        changes: dict[str, Any] = {}
        if subject is not None and subject != group.subject:
            changes["subject"] = subject
        if description is not None and (description or None) != group.description:
            changes["description"] = description or None
        if announce is not None and announce != group.announce:
            changes["announce"] = announce
        if locked is not None and locked != group.locked:
            changes["locked"] = locked
        if not changes:
            return group

        changed = group.with_changes(**changes)
        await self._groups.save(changed)
        push = PushGroupUpdate(
            group=group.jid,
            by=actor,
            subject=changes.get("subject"),
            # An empty description means that it was cleared.
            description=(changes["description"] or "")
            if "description" in changes
            else None,
            announce=changes.get("announce"),
            locked=changes.get("locked"),
            timestamp=utc_now(),
        )
        await self.notify(push, group, changed)
        return changed

    async def invite_link(self, group: Group, actor: str, reset: bool) -> str:
        """Return the invite link; ``reset`` replaces the code, so old links fail.

        Raises 403 ``FORBIDDEN`` when the actor is not an admin.
        """
        if not group.is_admin(actor):
            raise forbidden(f"only admins get the invite link of group '{group.jid}'")
        if reset:
            group = group.with_changes(invite_code=new_invite_code())
            await self._groups.save(group)
        return group.invite_link

    async def notify(
        self,
        push: PushGroupParticipants | PushGroupUpdate,
        before: Group,
        after: Group,
    ) -> None:
        """Deliver a group push to every session linked to a member before or after."""
        phones = dict.fromkeys([*before.member_phones(), *after.member_phones()])
        for phone in phones:
            for device in await self._devices.find_linked_to(phone):
                await self._delivery.deliver(device.session_id, push)


def _apply(
    action: GroupAction,
    jid: str,
    owner: str,
    participants: list[str],
    admins: list[str],
) -> str | None:
    """Apply one participant action in place; return the row's error, or None."""
    is_member = jid in participants
    if action == "add":
        if is_member:
            return "already a participant"
        if not is_on_whatsapp(jid.split("@", 1)[0]):
            return "not on WhatsApp"
        if len(participants) >= MAX_GROUP_SIZE:
            return f"the group is full ({MAX_GROUP_SIZE} participants)"
        participants.append(jid)
        return None
    if not is_member:
        return "not a participant"
    if jid == owner and action in ("remove", "demote"):
        return f"the group's creator cannot be {action}d"
    if action == "remove":
        participants.remove(jid)
        if jid in admins:
            admins.remove(jid)
    elif action == "promote" and jid not in admins and jid != owner:
        admins.append(jid)
    elif action == "demote" and jid in admins:
        admins.remove(jid)
    return None

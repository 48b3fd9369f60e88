"""Live requests of a session's device: read receipts, presence, contacts, groups.

Each needs a valid token (401 otherwise) and an online device (409
``SESSION_NOT_CONNECTED`` otherwise); an invalid request gets a 400. Reply
data of each operation:

- ``read``: ``{"chat", "read": <count>}``; a ``read`` entry with the ids goes
  to the inbox of each message's author;
- ``presence``: ``{"chat", "state"}``; a ``presence`` entry goes to the inbox
  of the chat's phone, or of every other participant of a group. Without a
  chat, ``available`` and ``unavailable`` are accepted and shown nowhere;
- ``contacts``: ``{"contacts": [contact, …]}``; ``contact``: ``{"contact":
  contact | null}``, a contact being ``{"jid", "phone", "name", "pushName"}``.
  The session's contacts are the phones it sent something to, the phones
  that wrote to it, and the participants of its groups;
- ``check``: ``{"results": [{"phone", "onWhatsApp", "jid"}, …]}`` by the rule
  of :mod:`wagate_sandbox.directory`;
- ``picture``: ``{"url": <URL or null>}``: a URL for a user on WhatsApp or a
  group the session is in, null otherwise;
- ``groups``: ``{"groups": [group, …]}``; ``group``, ``group_create`` and
  ``group_update``: the group, in the shape of :meth:`Group.to_public`;
  404 ``GROUP_NOT_FOUND`` for a group the session is not in;
- ``participants``: ``{"group", "results": [{"jid", "ok", "error"}, …]}``;
- ``invite``: ``{"link"}``.
"""

from __future__ import annotations

from typing import Any

from wagate_common.ids import utc_now
from wagate_common.jid import (
    USER_SERVER,
    InvalidJidError,
    Jid,
    normalize_phone,
    parse_jid,
)
from wagate_common.schemas.sandbox import (
    NetCheck,
    NetGroupCreate,
    NetGroupUpdate,
    NetInvite,
    NetJid,
    NetParticipants,
    NetPresence,
    NetRead,
    NetSessionRequest,
    PushGroupParticipants,
)
from wagate_common.schemas.sessions import Account
from wagate_sandbox.access import online_account, user_jid
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.directory import is_on_whatsapp, picture_url
from wagate_sandbox.group_changes import (
    MAX_GROUP_SIZE,
    GroupChanges,
    check_subject,
    user_jid_of,
)
from wagate_sandbox.groups import Group, GroupRepository
from wagate_sandbox.identifiers import new_group_jid
from wagate_sandbox.inbox import InboxEntry, InboxRepository
from wagate_sandbox.phone_messages import PhoneMessageRepository
from wagate_sandbox.router import Answer
from wagate_sandbox.validation import (
    check_id,
    check_session_id,
    invalid_request,
    parse_request,
)

MAX_READ_IDS = 1024
MAX_CHECK_PHONES = 500


class SessionRequestHandlers:
    """Handlers of the live requests a session's device makes."""

    def __init__(
        self,
        devices: DeviceRepository,
        inbox: InboxRepository,
        groups: GroupRepository,
        phone_messages: PhoneMessageRepository,
        changes: GroupChanges,
    ) -> None:
        self._devices = devices
        self._inbox = inbox
        self._groups = groups
        self._phone_messages = phone_messages
        self._changes = changes

    async def read(self, raw: bytes) -> Answer:
        """Send read receipts for messages phones sent to the session."""
        request = parse_request(NetRead, raw)
        account = await self._account(request)
        if not 0 < len(request.wa_message_ids) <= MAX_READ_IDS:
            raise invalid_request(f"waMessageIds must have 1 to {MAX_READ_IDS} entries")
        ids = [check_id(value, "waMessageIds") for value in request.wa_message_ids]
        chat = _parse_chat(request.chat, "chat")
        sender = None
        if request.sender:
            sender = user_jid_of(request.sender)
            if sender is None:
                raise invalid_request(f"sender '{request.sender[:80]}' is not a user JID")
        if chat.is_group:
            await self._changes.load_for_member(str(chat), account.jid)

        by_author: dict[str, list[str]] = {}
        for wa_message_id in ids:
            author = sender or await self._author_of(request.session_id, wa_message_id)
            if author is None and not chat.is_group:
                author = str(chat)
            if author is not None:
                by_author.setdefault(author, []).append(wa_message_id)

        now = utc_now()
        for author, author_ids in by_author.items():
            entry = InboxEntry(
                wa_message_id=None,
                message_id=None,
                session_id=request.session_id,
                sender=account.jid,
                to=str(chat),
                type="read",
                timestamp=now,
                fields={"readIds": author_ids},
            )
            await self._inbox.add(entry, [author.split("@", 1)[0]])
        await self._phone_messages.mark_read(request.session_id, ids)
        return Answer({"chat": str(chat), "read": len(ids)})

    async def presence(self, raw: bytes) -> Answer:
        """Show the session's presence to the phones of a chat."""
        request = parse_request(NetPresence, raw)
        account = await self._account(request)
        if not request.chat:
            if request.state not in ("available", "unavailable"):
                raise invalid_request(f"chat is required for state '{request.state}'")
            return Answer({"chat": None, "state": request.state})

        chat = _parse_chat(request.chat, "chat")
        phones = [chat.user]
        if chat.is_group:
            group = await self._changes.load_for_member(str(chat), account.jid)
            phones = [phone for phone in group.member_phones() if phone != account.phone]
        entry = InboxEntry(
            wa_message_id=None,
            message_id=None,
            session_id=request.session_id,
            sender=account.jid,
            to=str(chat),
            type="presence",
            timestamp=utc_now(),
            fields={"presence": request.state},
        )
        await self._inbox.add(entry, phones)
        return Answer({"chat": str(chat), "state": request.state})

    async def contacts(self, raw: bytes) -> Answer:
        """List the session's contacts."""
        request = parse_request(NetSessionRequest, raw)
        account = await self._account(request)
        contacts = await self._contacts_of(request.session_id, account)
        return Answer({"contacts": list(contacts.values())})

    async def contact(self, raw: bytes) -> Answer:
        """Return one of the session's contacts, or null."""
        request = parse_request(NetJid, raw)
        account = await self._account(request)
        jid = user_jid_of(request.jid)
        if jid is None:
            raise invalid_request(f"jid '{request.jid[:80]}' is not a user JID")
        contacts = await self._contacts_of(request.session_id, account)
        return Answer({"contact": contacts.get(jid)})

    async def check(self, raw: bytes) -> Answer:
        """Tell which phone numbers are on WhatsApp."""
        request = parse_request(NetCheck, raw)
        await self._account(request)
        if not 0 < len(request.phones) <= MAX_CHECK_PHONES:
            raise invalid_request(f"phones must have 1 to {MAX_CHECK_PHONES} entries")
        results = []
        for phone in request.phones:
            on_whatsapp = is_on_whatsapp(phone)
            jid = user_jid(normalize_phone(phone)) if on_whatsapp else None
            results.append({"phone": phone, "onWhatsApp": on_whatsapp, "jid": jid})
        return Answer({"results": results})

    async def picture(self, raw: bytes) -> Answer:
        """Return the profile picture URL of a user or group, or null."""
        request = parse_request(NetJid, raw)
        account = await self._account(request)
        jid = _parse_chat(request.jid, "jid")
        url = None
        if jid.is_group:
            group = await self._groups.get(str(jid))
            if group is not None and group.has_member(account.jid):
                url = picture_url(jid.user)
        elif is_on_whatsapp(jid.user):
            url = picture_url(jid.user)
        return Answer({"url": url})

    async def groups(self, raw: bytes) -> Answer:
        """List the groups the session's account is in."""
        request = parse_request(NetSessionRequest, raw)
        account = await self._account(request)
        groups = await self._groups.find_with_member(account.jid)
        return Answer({"groups": [group.to_public() for group in groups]})

    async def group(self, raw: bytes) -> Answer:
        """Return a group the session's account is in."""
        request = parse_request(NetJid, raw)
        account = await self._account(request)
        jid = _parse_group(request.jid)
        group = await self._changes.load_for_member(jid, account.jid)
        return Answer(group.to_public())

    async def group_create(self, raw: bytes) -> Answer:
        """Create a group owned by the session's account.

        Numbers that are not on WhatsApp are left out, as WhatsApp does; an
        input that is not a phone number or user JID is a 400.
        """
        request = parse_request(NetGroupCreate, raw)
        account = await self._account(request)
        subject = check_subject(request.subject)
        members: list[str] = []
        for value in request.participants:
            jid = user_jid_of(value)
            if jid is None:
                raise invalid_request(
                    f"participant '{value[:80]}' is not a phone number or user JID"
                )
            if jid != account.jid and is_on_whatsapp(jid.split("@", 1)[0]):
                members.append(jid)
        members = list(dict.fromkeys(members))
        if len(members) >= MAX_GROUP_SIZE:
            raise invalid_request(
                f"participants has more than {MAX_GROUP_SIZE - 1} members"
            )

        group = Group(
            jid=new_group_jid(),
            subject=subject,
            owner=account.jid,
            participants=[account.jid, *members],
            created_at=utc_now(),
        )
        await self._groups.create(group)
        if members:
            push = PushGroupParticipants(
                group=group.jid,
                action="add",
                participants=members,
                by=account.jid,
                timestamp=group.created_at,
            )
            await self._changes.notify(push, group, group)
        return Answer(group.to_public())

    async def group_update(self, raw: bytes) -> Answer:
        """Change a group's subject, description or settings."""
        request = parse_request(NetGroupUpdate, raw)
        account = await self._account(request)
        group = await self._changes.load_for_member(
            _parse_group(request.jid), account.jid
        )
        changed = await self._changes.update(
            group,
            account.jid,
            subject=request.subject,
            description=request.description,
            announce=request.announce,
            locked=request.locked,
        )
        return Answer(changed.to_public())

    async def participants(self, raw: bytes) -> Answer:
        """Add, remove, promote or demote participants; one result row each."""
        request = parse_request(NetParticipants, raw)
        account = await self._account(request)
        if not 0 < len(request.participants) <= MAX_GROUP_SIZE:
            raise invalid_request(f"participants must have 1 to {MAX_GROUP_SIZE} entries")
        group = await self._changes.load_for_member(
            _parse_group(request.jid), account.jid
        )
        changed, rows = await self._changes.change_participants(
            group, account.jid, request.action, request.participants
        )
        return Answer({"group": changed.to_public(), "results": rows})

    async def invite(self, raw: bytes) -> Answer:
        """Return a group's invite link, after revoking the old one if asked."""
        request = parse_request(NetInvite, raw)
        account = await self._account(request)
        group = await self._changes.load_for_member(
            _parse_group(request.jid), account.jid
        )
        link = await self._changes.invite_link(group, account.jid, request.reset)
        return Answer({"link": link})

    async def _account(self, request: NetSessionRequest) -> Account:
        session_id = check_session_id(request.session_id)
        return await online_account(self._devices, session_id, request.token)

    async def _author_of(self, session_id: str, wa_message_id: str) -> str | None:
        message = await self._phone_messages.get(session_id, wa_message_id)
        return message.sender if message else None

    async def _contacts_of(
        self, session_id: str, account: Account
    ) -> dict[str, dict[str, Any]]:
        """Return the session's contacts by JID, in the order they were met."""
        names: dict[str, str | None] = {}
        for phone in await self._inbox.phones_of_session(session_id):
            names[user_jid(phone)] = None
        for jid, push_name in (await self._phone_messages.senders_to(session_id)).items():
            names[jid] = push_name or names.get(jid)
        for group in await self._groups.find_with_member(account.jid):
            for member in group.participants:
                names.setdefault(member, None)
        names.pop(account.jid, None)
        return {
            jid: {
                "jid": jid,
                "phone": jid.split("@", 1)[0],
                "name": None,
                "pushName": push_name,
            }
            for jid, push_name in names.items()
        }


def _parse_chat(value: str, field: str) -> Jid:
    """Return a user or group JID, or raise a 400 error."""
    try:
        jid = parse_jid(value)
    except InvalidJidError as error:
        raise invalid_request(f"{field} '{value[:80]}' is not a JID") from error
    if jid.server != USER_SERVER and not jid.is_group:
        raise invalid_request(f"{field} '{value[:80]}' is not a user or group JID")
    return jid


def _parse_group(value: str) -> str:
    jid = _parse_chat(value, "jid")
    if not jid.is_group:
        raise invalid_request(f"jid '{value[:80]}' is not a group JID")
    return str(jid)

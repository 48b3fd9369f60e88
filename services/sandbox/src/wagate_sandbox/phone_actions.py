"""Phone actions other than messages, sent by the api on ``wagate.sbx.api.<op>``.

Every operation names a session the sandbox has linked (409
``SANDBOX_CONFLICT`` otherwise) and gets a 400 for an invalid request. Reply
data of each operation:

- ``reaction``: ``{"waMessageId": "3A…", "sessionId", "chat", "targetId",
  "emoji", "queued"}``. The target is either a message of the session in the
  phone's inbox, by the gateway's or WhatsApp's id, whose entry then records
  the reaction too. Or it is a message phones sent to the session in a chat
  the phone is in. 404 ``NOT_FOUND`` otherwise.
- ``revoke``: ``{"waMessageId", "sessionId", "chat", "queued"}``; only the
  phone's own messages to the session (404 ``NOT_FOUND`` otherwise).
- ``presence``: ``{"sessionId", "chat", "sender", "state", "delivered"}``.
- ``call``: ``{"callId", "sessionId", "caller", "video", "delivered"}``.
- ``participants``: ``{"group", "results": [{"jid", "ok", "error"}, …]}``.
- ``group_update``: the group.

Presence and calls reach only an online device: ``delivered`` is false
otherwise and nothing is kept. Group changes follow the rules of
:mod:`wagate_sandbox.group_changes` with the phone ``by`` as the actor, and
need the session's account in the group (or being added by the change);
404 ``GROUP_NOT_FOUND`` otherwise, or when ``by`` is not in the group.
"""

from __future__ import annotations

import secrets

from wagate_common.ids import utc_now
from wagate_common.schemas.sandbox import (
    ApiCall,
    ApiGroupUpdate,
    ApiParticipants,
    ApiPresence,
    ApiReaction,
    ApiRevoke,
    PushCall,
    PushPresence,
    PushReaction,
    PushRevoke,
)
from wagate_common.schemas.sessions import Account
from wagate_sandbox.access import user_jid
from wagate_sandbox.content import MAX_EMOJI_LENGTH
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.errors import group_not_found, message_not_found, not_linked
from wagate_sandbox.group_changes import MAX_GROUP_SIZE, GroupChanges, user_jid_of
from wagate_sandbox.groups import Group
from wagate_sandbox.identifiers import new_phone_message_id
from wagate_sandbox.inbox import InboxRepository
from wagate_sandbox.phone_messages import PhoneMessageRepository
from wagate_sandbox.router import Answer
from wagate_sandbox.validation import (
    check_group_jid,
    check_id,
    check_phone,
    check_session_id,
    invalid_request,
    parse_request,
)


class PhoneActionHandlers:
    """Reactions, revokes, presence, calls and group changes made by phones."""

    def __init__(
        self,
        devices: DeviceRepository,
        inbox: InboxRepository,
        phone_messages: PhoneMessageRepository,
        changes: GroupChanges,
        delivery: MessageDelivery,
    ) -> None:
        self._devices = devices
        self._inbox = inbox
        self._phone_messages = phone_messages
        self._changes = changes
        self._delivery = delivery

    async def reaction(self, raw: bytes) -> Answer:
        """Push a phone's reaction to a message of its chat with the session."""
        request = parse_request(ApiReaction, raw)
        session_id = check_session_id(request.session_id)
        phone = check_phone(request.sender, "from")
        message_id = check_id(request.message_id, "messageId")
        if len(request.emoji) > MAX_EMOJI_LENGTH:
            raise invalid_request(f"emoji is longer than {MAX_EMOJI_LENGTH} characters")
        await self._linked_account(session_id)
        sender = user_jid(phone)

        target_id, chat = await self._reaction_target(session_id, phone, message_id)
        if chat.endswith("@g.us"):
            await self._changes.load_for_member(chat, sender)
        now = utc_now()
        await self._inbox.set_reaction(target_id, sender, request.emoji, now)
        push = PushReaction(
            wa_message_id=new_phone_message_id(),
            target_wa_message_id=target_id,
            chat=chat,
            sender=sender,
            emoji=request.emoji,
            timestamp=now,
        )
        queued = not await self._delivery.deliver(session_id, push)
        return Answer(
            {
                "waMessageId": push.wa_message_id,
                "sessionId": session_id,
                "chat": chat,
                "targetId": target_id,
                "emoji": request.emoji,
                "queued": queued,
            }
        )

    async def revoke(self, raw: bytes) -> Answer:
        """Delete a phone's own message to the session, for everyone."""
        request = parse_request(ApiRevoke, raw)
        session_id = check_session_id(request.session_id)
        sender = user_jid(check_phone(request.sender, "from"))
        message_id = check_id(request.message_id, "messageId")
        await self._linked_account(session_id)

        message = await self._phone_messages.get(session_id, message_id)
        if message is None or message.sender != sender:
            raise message_not_found(
                message_id,
                f"among the messages '{sender}' sent to session '{session_id}'",
            )
        await self._phone_messages.mark_revoked(session_id, message_id)
        push = PushRevoke(
            wa_message_id=message_id,
            chat=message.chat,
            sender=sender,
            timestamp=utc_now(),
        )
        queued = not await self._delivery.deliver(session_id, push)
        return Answer(
            {
                "waMessageId": message_id,
                "sessionId": session_id,
                "chat": message.chat,
                "queued": queued,
            }
        )

    async def presence(self, raw: bytes) -> Answer:
        """Show a phone's presence to the session, in a group when given."""
        request = parse_request(ApiPresence, raw)
        session_id = check_session_id(request.session_id)
        sender = user_jid(check_phone(request.sender, "from"))
        group_jid = None
        if request.group_id is not None:
            group_jid = check_group_jid(request.group_id, "groupId")
        account = await self._linked_account(session_id)

        chat = sender
        if group_jid is not None:
            group = await self._changes.load_for_member(group_jid, account.jid)
            if not group.has_member(sender):
                raise group_not_found(group_jid)
            chat = group_jid
        push = PushPresence(
            chat=chat, sender=sender, state=request.state, timestamp=utc_now()
        )
        delivered = await self._delivery.deliver_now(session_id, push)
        return Answer(
            {
                "sessionId": session_id,
                "chat": chat,
                "sender": sender,
                "state": request.state,
                "delivered": delivered,
            }
        )

    async def call(self, raw: bytes) -> Answer:
        """Ring the session's account from a phone."""
        request = parse_request(ApiCall, raw)
        session_id = check_session_id(request.session_id)
        caller = user_jid(check_phone(request.sender, "from"))
        await self._linked_account(session_id)

        push = PushCall(
            call_id=secrets.token_hex(16).upper(),
            caller=caller,
            video=request.video,
            timestamp=utc_now(),
        )
        delivered = await self._delivery.deliver_now(session_id, push)
        return Answer(
            {
                "callId": push.call_id,
                "sessionId": session_id,
                "caller": caller,
                "video": request.video,
                "delivered": delivered,
            }
        )

    async def participants(self, raw: bytes) -> Answer:
        """Let a phone add, remove, promote or demote participants of a group."""
        request = parse_request(ApiParticipants, raw)
        session_id = check_session_id(request.session_id)
        group_jid = check_group_jid(request.group_id, "groupId")
        actor = user_jid(check_phone(request.by, "by"))
        if not 0 < len(request.participants) <= MAX_GROUP_SIZE:
            raise invalid_request(f"participants must have 1 to {MAX_GROUP_SIZE} entries")
        account = await self._linked_account(session_id)

        group = await self._group_of_actor(group_jid, actor)
        joining = request.action == "add" and any(
            user_jid_of(value) == account.jid for value in request.participants
        )
        if not (group.has_member(account.jid) or joining):
            raise group_not_found(group_jid)
        changed, rows = await self._changes.change_participants(
            group, actor, request.action, request.participants
        )
        return Answer({"group": changed.to_public(), "results": rows})

    async def group_update(self, raw: bytes) -> Answer:
        """Let a phone change a group's subject, description or settings."""
        request = parse_request(ApiGroupUpdate, raw)
        session_id = check_session_id(request.session_id)
        group_jid = check_group_jid(request.group_id, "groupId")
        actor = user_jid(check_phone(request.by, "by"))
        account = await self._linked_account(session_id)

        group = await self._group_of_actor(group_jid, actor)
        if not group.has_member(account.jid):
            raise group_not_found(group_jid)
        changed = await self._changes.update(
            group,
            actor,
            subject=request.subject,
            description=request.description,
            announce=request.announce,
            locked=request.locked,
        )
        return Answer(changed.to_public())

    async def _reaction_target(
        self, session_id: str, phone: str, message_id: str
    ) -> tuple[str, str]:
        """Return the target's WhatsApp id and the chat in the session's terms."""
        copy = await self._inbox.find_in_inbox(phone, session_id, message_id)
        if copy is not None and copy["type"] not in ("reaction", "read", "presence"):
            chat = copy["to"] if copy["to"].endswith("@g.us") else user_jid(phone)
            return str(copy["id"]), chat
        message = await self._phone_messages.get(session_id, message_id)
        if message is not None:
            is_own_chat = message.chat == user_jid(phone)
            if message.chat.endswith("@g.us") or is_own_chat:
                return message.wa_message_id, message.chat
        raise message_not_found(
            message_id, f"in the chats of phone '{phone}' with session '{session_id}'"
        )

    async def _group_of_actor(self, group_jid: str, actor: str) -> Group:
        group = await self._changes.load(group_jid)
        if not group.has_member(actor):
            raise group_not_found(group_jid)
        return group

    async def _linked_account(self, session_id: str) -> Account:
        device = await self._devices.get(session_id)
        if device is None or device.account is None or not device.is_linked:
            raise not_linked(session_id)
        return device.account

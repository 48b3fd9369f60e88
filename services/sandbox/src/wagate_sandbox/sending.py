"""The ``send`` request of a session's device: messages, reactions, edits, revokes.

Reply data: ``{"waMessageId": "3EB0…", "timestamp": "<RFC 3339>"}``. Sending
the same ``messageId`` again returns the first reply data and stores nothing
(an edit or revoke sent again is applied again, which changes nothing).

What each type does:

- a message is stored in the inbox of each recipient phone (every other
  participant of a group) and pushed to every other session linked to a
  recipient's account;
- a reaction is stored as a ``reaction`` entry in the same inboxes, recorded
  on every copy of its target, and pushed like a message;
- an edit replaces the text (or caption) of every copy of a message the
  session sent. It is not pushed to other sessions, because drivers have no
  edit event;
- a revoke hides the content of every copy of a message the session sent and
  is pushed to the other sessions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wagate_common.errors import (
    ConflictError,
    ErrorCode,
    InvalidRecipientError,
    WagateError,
)
from wagate_common.ids import isoformat, utc_now
from wagate_common.jid import USER_SERVER, InvalidJidError, Jid, parse_jid
from wagate_common.schemas.sandbox import (
    KeptPush,
    NetSend,
    PushMessage,
    PushReaction,
    PushRevoke,
    WireContent,
)
from wagate_common.schemas.sessions import Account
from wagate_common.storage.database import Document
from wagate_sandbox.access import online_account
from wagate_sandbox.content import (
    ACTION_TYPES,
    MEDIA_TYPES,
    SESSION_TYPES,
    check_content,
    public_fields,
)
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.errors import message_not_found
from wagate_sandbox.group_changes import GroupChanges, forbidden
from wagate_sandbox.identifiers import new_device_message_id
from wagate_sandbox.inbox import InboxEntry, InboxRepository
from wagate_sandbox.router import Answer
from wagate_sandbox.validation import (
    check_id,
    check_session_id,
    invalid_request,
    parse_request,
)


class SendHandler:
    """Handles what a session's device sends."""

    def __init__(
        self,
        devices: DeviceRepository,
        inbox: InboxRepository,
        changes: GroupChanges,
        delivery: MessageDelivery,
    ) -> None:
        self._devices = devices
        self._inbox = inbox
        self._changes = changes
        self._delivery = delivery

    async def send(self, raw: bytes) -> Answer:
        """Store and push what a device sends.

        Errors:

        - 400 for an invalid request or content, 401 for a bad token;
        - 409 ``SESSION_NOT_CONNECTED`` when the device is offline;
        - 422 ``INVALID_RECIPIENT`` for a recipient other than a phone or a group;
        - 404 ``GROUP_NOT_FOUND`` for an unknown group, or one the session is
          not in;
        - 403 ``FORBIDDEN`` for a message to an ``announce`` group by a
          non-admin;
        - 404 ``NOT_FOUND`` for an edit or revoke of a message the session
          never sent to that chat, 409 ``SANDBOX_CONFLICT`` for an edit of a
          revoked message.
        """
        request = parse_request(NetSend, raw)
        session_id = check_session_id(request.session_id)
        message_id = check_id(request.message_id, "messageId")
        content = check_content(request, SESSION_TYPES)

        account = await online_account(self._devices, session_id, request.token)
        recipient = _parse_recipient(request.to)
        earlier = await self._inbox.find_sent(session_id, message_id)
        if earlier is not None:
            return Answer(_sent_data(earlier["id"], earlier["timestamp"]))

        phones = await self._recipient_phones(recipient, account, content.type)
        sent = _Sent(
            wa_message_id=new_device_message_id(),
            message_id=message_id,
            session_id=session_id,
            account=account,
            chat=str(recipient),
            timestamp=utc_now(),
        )
        if content.type == "reaction":
            push: KeptPush | None = await self._react(sent, content, phones)
        elif content.type == "edit":
            await self._edit(sent, content)
            push = None
        elif content.type == "revoke":
            push = await self._revoke(sent, content)
        else:
            push = await self._store_message(sent, content, phones)

        async def push_to_sessions() -> None:
            if push is not None:
                await self._push_to_linked_sessions(push, session_id, phones)

        return Answer(_sent_data(sent.wa_message_id, sent.timestamp), push_to_sessions)

    async def _store_message(
        self, sent: _Sent, content: WireContent, phones: list[str]
    ) -> PushMessage:
        entry = sent.entry(content.type, public_fields(content))
        await self._inbox.add(entry, phones)
        return PushMessage(
            **content.model_dump(),
            wa_message_id=sent.wa_message_id,
            chat=sent.chat_for_recipients,
            sender=sent.account.jid,
            push_name=sent.account.push_name,
            timestamp=sent.timestamp,
        )

    async def _react(
        self, sent: _Sent, content: WireContent, phones: list[str]
    ) -> PushReaction:
        assert content.target is not None  # checked by check_content
        target_id = content.target.wa_message_id
        emoji = content.emoji or ""
        entry = sent.entry(
            "reaction", {"reaction": {"targetId": target_id, "emoji": emoji}}
        )
        await self._inbox.add(entry, phones)
        await self._inbox.set_reaction(target_id, sent.account.jid, emoji, sent.timestamp)
        return PushReaction(
            wa_message_id=sent.wa_message_id,
            target_wa_message_id=target_id,
            chat=sent.chat_for_recipients,
            sender=sent.account.jid,
            emoji=emoji,
            timestamp=sent.timestamp,
        )

    async def _edit(self, sent: _Sent, content: WireContent) -> None:
        assert content.text is not None  # checked by check_content
        original = await self._own_message(sent, content)
        if original.get("revoked"):
            raise ConflictError(
                ErrorCode.SANDBOX_CONFLICT,
                f"message '{original['id']}' was deleted and cannot be edited",
            )
        if original["type"] != "text" and original["type"] not in MEDIA_TYPES:
            raise invalid_request(
                f"a {original['type']} message cannot be edited: only texts and captions"
            )
        await self._inbox.edit(sent.session_id, original["id"], content.text)

    async def _revoke(self, sent: _Sent, content: WireContent) -> PushRevoke:
        original = await self._own_message(sent, content)
        await self._inbox.revoke(sent.session_id, original["id"])
        return PushRevoke(
            wa_message_id=original["id"],
            chat=sent.chat_for_recipients,
            sender=sent.account.jid,
            timestamp=sent.timestamp,
        )

    async def _own_message(self, sent: _Sent, content: WireContent) -> Document:
        """Return a copy of the session's message that an edit or revoke targets."""
        assert content.target is not None
        target = content.target
        if not target.from_me:
            raise invalid_request(
                f"a {content.type} must target a message the session sent; the "
                "sandbox does not let group admins delete others' messages"
            )
        copies = [
            copy
            for copy in await self._inbox.find_copies(
                sent.session_id, target.wa_message_id
            )
            if copy["to"] == sent.chat and copy["type"] not in ACTION_TYPES
        ]
        if not copies:
            raise message_not_found(
                target.wa_message_id,
                f"in chat '{sent.chat}' of session '{sent.session_id}'",
            )
        return copies[0]

    async def _recipient_phones(
        self, recipient: Jid, account: Account, message_type: str
    ) -> list[str]:
        if not recipient.is_group:
            return [recipient.user]
        group = await self._changes.load_for_member(str(recipient), account.jid)
        is_message = message_type not in ACTION_TYPES
        if group.announce and is_message and not group.is_admin(account.jid):
            raise forbidden(
                f"only admins send messages to group '{recipient}' (announce is on)"
            )
        return [phone for phone in group.member_phones() if phone != account.phone]

    async def _push_to_linked_sessions(
        self, push: KeptPush, session_id: str, phones: list[str]
    ) -> None:
        """Push to every other session linked to a recipient's account."""
        for phone in phones:
            for device in await self._devices.find_linked_to(phone):
                if device.session_id != session_id:
                    await self._delivery.deliver(device.session_id, push)


class _Sent:
    """The ids, sender, chat and time that every kind of send shares."""

    def __init__(
        self,
        wa_message_id: str,
        message_id: str,
        session_id: str,
        account: Account,
        chat: str,
        timestamp: datetime,
    ) -> None:
        self.wa_message_id = wa_message_id
        self.message_id = message_id
        self.session_id = session_id
        self.account = account
        self.chat = chat
        self.timestamp = timestamp

    @property
    def chat_for_recipients(self) -> str:
        """The chat in a recipient's terms: the group, or the session's account."""
        return self.chat if self.chat.endswith("@g.us") else self.account.jid

    def entry(self, message_type: str, fields: dict[str, Any]) -> InboxEntry:
        return InboxEntry(
            wa_message_id=self.wa_message_id,
            message_id=self.message_id,
            session_id=self.session_id,
            sender=self.account.jid,
            to=self.chat,
            type=message_type,
            timestamp=self.timestamp,
            fields=fields,
        )


def _parse_recipient(value: str) -> Jid:
    try:
        recipient = parse_jid(value)
    except InvalidJidError as error:
        raise InvalidRecipientError(value) from error
    if recipient.server != USER_SERVER and not recipient.is_group:
        raise WagateError(
            422,
            ErrorCode.INVALID_RECIPIENT,
            f"the sandbox delivers only to phone numbers and groups, not to '{value}'",
            {"value": value},
        )
    return recipient


def _sent_data(wa_message_id: str, timestamp: datetime) -> dict[str, Any]:
    return {"waMessageId": wa_message_id, "timestamp": isoformat(timestamp)}

"""Requests from the api on ``wagate.sbx.api.<op>``: the phones' side.

Reply data of each operation (errors are described with each handler):

- ``pair``: ``{"sessionId", "me": {"jid", "phone", "pushName"}}``.
- ``message``: ``{"waMessageId": "3A…", "sessionId", "type", "chat", "sender",
  "timestamp", "queued"}``; ``queued`` is true when the device was offline
  and gets the message when it next connects.
- ``inbox``: ``{"phone", "messages": [item, …]}``, oldest first, with the
  item keys listed in :mod:`wagate_sandbox.inbox`.
- ``receipt``: ``{"sessionId", "messageId", "waMessageId", "status", "queued"}``;
  ``status`` is the message's status afterwards, which never moves back, so a
  ``delivered`` receipt for a read message pushes nothing.
- ``group``: the group, in the shape of
  :meth:`wagate_sandbox.groups.Group.to_public`; the owner is the first phone
  in the request.
- ``logout``: ``{"sessionId", "state": "logged_out", "notified"}``.
- ``drop``: ``{"sessionId", "state": "dropped", "notified"}``.

``notified`` is true when the device acknowledged the push. Logout and drop
pushes are not kept for later. A session the sandbox has never linked gets a 409
``SANDBOX_CONFLICT`` rather than a 404: the api has already checked that the
session exists, so what is missing is the link.
"""

from __future__ import annotations

from wagate_common.errors import ConflictError, ErrorCode, WagateError
from wagate_common.ids import isoformat, utc_now
from wagate_common.jid import USER_SERVER
from wagate_common.schemas.sandbox import (
    ApiGroup,
    ApiInbox,
    ApiMessage,
    ApiPair,
    ApiReceipt,
    ApiSessionAction,
    PushDropped,
    PushLoggedOut,
    PushMessage,
    PushPaired,
    PushReceipt,
)
from wagate_common.schemas.sessions import Account
from wagate_common.storage.database import Document
from wagate_sandbox.content import PHONE_TYPES, check_content
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import Device, DeviceRepository
from wagate_sandbox.errors import (
    group_not_found,
    message_not_found,
    not_connected,
    not_linked,
)
from wagate_sandbox.group_changes import forbidden
from wagate_sandbox.groups import Group, GroupRepository
from wagate_sandbox.identifiers import new_group_jid, new_phone_message_id, new_token
from wagate_sandbox.inbox import InboxRepository
from wagate_sandbox.pairing import PairingManager
from wagate_sandbox.phone_messages import PhoneMessage, PhoneMessageRepository
from wagate_sandbox.pushes import PushSender
from wagate_sandbox.router import Answer
from wagate_sandbox.validation import (
    check_group_jid,
    check_id,
    check_inbox_limit,
    check_phone,
    check_session_id,
    invalid_request,
    parse_request,
)

MAX_PUSH_NAME_LENGTH = 64
MAX_SUBJECT_LENGTH = 100
# A sandbox group has at most 1024 members, the session's account included.
MAX_GROUP_PARTICIPANTS = 1023


class PhoneHandlers:
    """Handlers of what the people on the other side do, sent by the api."""

    def __init__(
        self,
        devices: DeviceRepository,
        inbox: InboxRepository,
        groups: GroupRepository,
        pairing: PairingManager,
        delivery: MessageDelivery,
        pusher: PushSender,
        phone_messages: PhoneMessageRepository,
    ) -> None:
        self._phone_messages = phone_messages
        self._devices = devices
        self._inbox = inbox
        self._groups = groups
        self._pairing = pairing
        self._delivery = delivery
        self._pusher = pusher

    async def pair(self, raw: bytes) -> Answer:
        """Link a phone to a session that shows a live QR code or pairing code.

        Errors: 400 for an invalid request; 409 ``SANDBOX_CONFLICT`` when the
        session is not pairing or its pairing code was issued for another
        phone; 504 ``WORKER_TIMEOUT`` when the device does not acknowledge the
        link, which is then undone.
        """
        request = parse_request(ApiPair, raw)
        session_id = check_session_id(request.session_id)
        phone = check_phone(request.phone, "phone")
        push_name = _check_push_name(request.push_name)
        self._claim_pairing(session_id, phone, request.session_status)

        account = Account(jid=f"{phone}@{USER_SERVER}", phone=phone, push_name=push_name)
        token = new_token()
        await self._devices.link(session_id, token, account)
        await self._delivery.discard(session_id)
        if not await self._pusher.push(session_id, PushPaired(token=token, me=account)):
            await self._devices.unlink(session_id)
            raise WagateError(
                504,
                ErrorCode.WORKER_TIMEOUT,
                f"the device of session '{session_id}' did not acknowledge the "
                "pairing; connect the session again",
            )
        # Online only now, so that no message reaches the device before its link.
        await self._devices.set_online(session_id, True)

        async def push_kept() -> None:
            await self._delivery.flush(session_id)

        me = account.model_dump(by_alias=True, mode="json")
        return Answer({"sessionId": session_id, "me": me}, push_kept)

    async def message(self, raw: bytes) -> Answer:
        """Push a contact's message to a session, directly or in a group.

        Errors: 400 for an invalid request or content; 409 ``SANDBOX_CONFLICT``
        when the session is not linked or the sender or the session is not in
        the group; 404 ``GROUP_NOT_FOUND`` for an unknown group; 403
        ``FORBIDDEN`` when a non-admin writes to an ``announce`` group.
        """
        request = parse_request(ApiMessage, raw)
        session_id = check_session_id(request.session_id)
        sender = f"{check_phone(request.sender, 'from')}@{USER_SERVER}"
        content = check_content(request, PHONE_TYPES)
        push_name = _check_push_name(request.push_name)
        group_jid = None
        if request.group_id is not None:
            group_jid = check_group_jid(request.group_id, "groupId")
        device = await self._linked_device(session_id)

        chat = sender
        if group_jid is not None:
            chat = group_jid
            group = await self._load_group(group_jid)
            _require_member(group, _account_of(device).jid, "the session's account")
            _require_member(group, sender, f"phone '{sender}'")
            if group.announce and not group.is_admin(sender):
                raise forbidden(
                    f"only admins send messages to group '{group_jid}' (announce is on)"
                )

        push = PushMessage(
            **content.model_dump(),
            wa_message_id=new_phone_message_id(),
            chat=chat,
            sender=sender,
            push_name=push_name,
            timestamp=utc_now(),
        )
        await self._phone_messages.add(
            PhoneMessage(
                wa_message_id=push.wa_message_id,
                session_id=session_id,
                sender=sender,
                chat=chat,
                type=content.type,
                timestamp=push.timestamp,
                push_name=push_name,
            )
        )
        delivered = await self._delivery.deliver(session_id, push)
        return Answer(
            {
                "waMessageId": push.wa_message_id,
                "sessionId": session_id,
                "type": content.type,
                "chat": chat,
                "sender": sender,
                "timestamp": isoformat(push.timestamp),
                "queued": not delivered,
            }
        )

    async def inbox(self, raw: bytes) -> Answer:
        """List what a phone received from sessions; 400 for an invalid request."""
        request = parse_request(ApiInbox, raw)
        phone = check_phone(request.phone, "phone")
        limit = check_inbox_limit(request.limit)
        messages = await self._inbox.list_for(phone, limit)
        return Answer({"phone": phone, "messages": messages})

    async def receipt(self, raw: bytes) -> Answer:
        """Mark a session's message delivered or read, and push the receipt.

        ``messageId`` may be the gateway's id or WhatsApp's. For a group
        message every participant's copy moves, and the receipt names the
        first participant as its sender. Errors: 400 for an invalid request;
        409 ``SANDBOX_CONFLICT`` when the session is not linked; 404
        ``NOT_FOUND`` when no inbox contains the message.
        """
        request = parse_request(ApiReceipt, raw)
        session_id = check_session_id(request.session_id)
        message_id = check_id(request.message_id, "messageId")
        await self._linked_device(session_id)

        copies = await self._inbox.find_copies(session_id, message_id)
        if not copies:
            raise message_not_found(
                message_id,
                f"in session '{session_id}'; name a message the session sent, by "
                "its id or its waMessageId",
            )
        first = copies[0]
        moved = await self._inbox.advance_status(session_id, first["id"], request.status)

        queued = False
        if moved:
            push = PushReceipt(
                wa_message_ids=[first["id"]],
                status=request.status,
                chat=first["to"],
                sender=_reader_of(first),
                timestamp=utc_now(),
            )
            queued = not await self._delivery.deliver(session_id, push)
        return Answer(
            {
                "sessionId": session_id,
                "messageId": first["messageId"],
                "waMessageId": first["id"],
                "status": request.status if moved else first["status"],
                "queued": queued,
            }
        )

    async def group(self, raw: bytes) -> Answer:
        """Create a group of phones with the session's account in it.

        Errors: 400 for an invalid request; 409 ``SANDBOX_CONFLICT`` when the
        session is not linked.
        """
        request = parse_request(ApiGroup, raw)
        session_id = check_session_id(request.session_id)
        subject = request.subject.strip()
        if not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
            raise invalid_request(
                f"subject must have 1 to {MAX_SUBJECT_LENGTH} characters"
            )
        phones = [check_phone(value, "participants") for value in request.participants]
        account = _account_of(await self._linked_device(session_id))

        members = [
            f"{phone}@{USER_SERVER}"
            for phone in dict.fromkeys(phones)
            if phone != account.phone
        ]
        if not members:
            raise invalid_request(
                "participants must name a phone other than the session's"
            )
        if len(members) > MAX_GROUP_PARTICIPANTS:
            raise invalid_request(
                f"participants has more than {MAX_GROUP_PARTICIPANTS} phones"
            )

        group = Group(
            jid=new_group_jid(),
            subject=subject,
            owner=members[0],
            participants=[*members, account.jid],
            created_at=utc_now(),
        )
        await self._groups.create(group)
        return Answer(group.to_public())

    async def logout(self, raw: bytes) -> Answer:
        """Unlink a session's device from the phone and tell the device.

        Errors: 400 for an invalid request; 409 ``SANDBOX_CONFLICT`` when the
        session is not linked.
        """
        request = parse_request(ApiSessionAction, raw)
        session_id = check_session_id(request.session_id)
        await self._linked_device(session_id)

        await self._pairing.cancel(session_id)
        await self._devices.unlink(session_id)
        await self._delivery.discard(session_id)
        push = PushLoggedOut(reason="the phone unlinked this device")
        notified = await self._pusher.push(session_id, push)
        return Answer(
            {"sessionId": session_id, "state": "logged_out", "notified": notified}
        )

    async def drop(self, raw: bytes) -> Answer:
        """Break a session's connection, or its pairing; the device must connect again.

        Errors: 400 for an invalid request; 409 ``SESSION_NOT_CONNECTED`` when
        the device is neither online nor pairing.
        """
        request = parse_request(ApiSessionAction, raw)
        session_id = check_session_id(request.session_id)
        was_pairing = await self._pairing.cancel(session_id)
        device = await self._devices.get(session_id)
        is_online = device is not None and device.online
        if not (was_pairing or is_online):
            raise not_connected(session_id)

        await self._devices.set_online(session_id, False)
        notified = await self._pusher.push(session_id, PushDropped())
        return Answer({"sessionId": session_id, "state": "dropped", "notified": notified})

    def _claim_pairing(
        self, session_id: str, phone: str, session_status: str | None
    ) -> None:
        """Take the session's live pairing for ``phone``, or raise a 409 error."""
        pairing = self._pairing.get_live(session_id)
        if pairing is None:
            # A session usually reaches "qr" a second or two after connect, so a
            # pair request sent right after connect lands here. Its status shows that.
            advice = "wait for status 'qr' ('pairing' when it pairs by phone number)"
            if session_status:
                advice = f"its status is '{session_status}'. Connect it and {advice}"
            else:
                advice = f"connect it and {advice}"
            raise ConflictError(
                ErrorCode.SANDBOX_CONFLICT,
                f"session '{session_id}' is not waiting for a QR scan or a pairing "
                f"code; {advice}",
            )
        if pairing.phone is not None and pairing.phone != phone:
            raise ConflictError(
                ErrorCode.SANDBOX_CONFLICT,
                f"the pairing code of session '{session_id}' was issued for another "
                "phone number",
            )
        self._pairing.claim(session_id)

    async def _linked_device(self, session_id: str) -> Device:
        device = await self._devices.get(session_id)
        if device is None or not device.is_linked:
            raise not_linked(session_id)
        return device

    async def _load_group(self, group_jid: str) -> Group:
        group = await self._groups.get(group_jid)
        if group is None:
            raise group_not_found(group_jid)
        return group


def _check_push_name(push_name: str | None) -> str | None:
    if push_name is not None and len(push_name) > MAX_PUSH_NAME_LENGTH:
        raise invalid_request(
            f"pushName is longer than {MAX_PUSH_NAME_LENGTH} characters"
        )
    return push_name


def _require_member(group: Group, jid: str, description: str) -> None:
    if not group.has_member(jid):
        raise ConflictError(
            ErrorCode.SANDBOX_CONFLICT,
            f"{description} is not a participant of group '{group.jid}'",
        )


def _account_of(device: Device) -> Account:
    assert device.account is not None  # checked by _linked_device
    return device.account


def _reader_of(copy: Document) -> str:
    """Return the JID of the phone whose inbox contains the copy."""
    return f"{copy['phone']}@{USER_SERVER}"

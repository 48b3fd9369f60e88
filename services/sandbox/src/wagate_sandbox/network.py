"""Requests from sandbox drivers on ``wagate.sbx.net.<op>``: the network side.

Reply data of each operation (errors are described with each handler):

- ``connect`` with a valid token: ``{"state": "connected", "me": {"jid",
  "phone", "pushName"}}``. The pushes kept while the device was offline
  follow the reply.
- ``connect`` without a token: ``{"state": "pairing", "mode": "qr"|"code"}``.
  QR codes, or the pairing code, follow the reply as pushes.
- ``disconnect``: ``{"state": "disconnected"}``.
- ``logout``: ``{"state": "logged_out"}``.
- ``send``: ``{"waMessageId": "3EB0…", "timestamp": "<RFC 3339>"}``. Sending
  the same ``messageId`` again returns the first reply data and stores nothing.

A driver that is pairing has no token yet: it sends an empty token to
``disconnect`` or ``logout``, which stops the pairing.
"""

from __future__ import annotations

import secrets
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
    NetConnect,
    NetSend,
    NetSessionRequest,
    PushMessage,
)
from wagate_common.schemas.sessions import Account
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import Device, DeviceRepository
from wagate_sandbox.errors import group_not_found, not_connected, token_rejected
from wagate_sandbox.groups import GroupRepository
from wagate_sandbox.identifiers import new_device_message_id
from wagate_sandbox.inbox import InboxRepository, SentMessage
from wagate_sandbox.pairing import PairingManager
from wagate_sandbox.router import Answer
from wagate_sandbox.validation import (
    check_id,
    check_mentions,
    check_optional_id,
    check_phone,
    check_session_id,
    check_text,
    parse_request,
)


class NetworkHandlers:
    """Handlers of the requests a session's device makes."""

    def __init__(
        self,
        devices: DeviceRepository,
        inbox: InboxRepository,
        groups: GroupRepository,
        pairing: PairingManager,
        delivery: MessageDelivery,
    ) -> None:
        self._devices = devices
        self._inbox = inbox
        self._groups = groups
        self._pairing = pairing
        self._delivery = delivery

    async def connect(self, raw: bytes) -> Answer:
        """Bring a device online with its token, or start pairing it without one.

        Errors: 400 for an invalid request, 401 ``UNAUTHORIZED`` for a token
        that is unknown or revoked.
        """
        request = parse_request(NetConnect, raw)
        session_id = check_session_id(request.session_id)
        if request.token:
            return await self._resume(session_id, request.token)

        phone = None
        if request.pairing_phone is not None:
            phone = check_phone(request.pairing_phone, "pairingPhone")
        await self._devices.ensure(session_id)
        await self._devices.set_online(session_id, False)
        pairing = await self._pairing.begin(session_id, phone)

        async def push_codes() -> None:
            self._pairing.run(pairing)

        return Answer({"state": "pairing", "mode": pairing.mode}, push_codes)

    async def disconnect(self, raw: bytes) -> Answer:
        """Take a device offline, or stop its pairing; the link stays.

        Errors: 400 for an invalid request, 401 for a token that does not match.
        """
        request = parse_request(NetSessionRequest, raw)
        session_id = check_session_id(request.session_id)
        await self._pairing.cancel(session_id)
        if request.token:
            device = await self._authenticate(session_id, request.token)
            await self._devices.set_online(device.session_id, False)
        return Answer({"state": "disconnected"})

    async def logout(self, raw: bytes) -> Answer:
        """Unlink a device at its own request and forget what was kept for it.

        A device that is already unlinked gets the same reply, so a retried
        logout succeeds. Errors: 400 for an invalid request, 401 for a token
        that does not match the device's link.
        """
        request = parse_request(NetSessionRequest, raw)
        session_id = check_session_id(request.session_id)
        await self._pairing.cancel(session_id)

        device = await self._devices.get(session_id)
        if request.token and device is not None and device.is_linked:
            await self._authenticate(session_id, request.token)
            await self._devices.unlink(session_id)
            await self._delivery.discard(session_id)
        return Answer({"state": "logged_out"})

    async def send(self, raw: bytes) -> Answer:
        """Store a device's text in each recipient's inbox and push it to sessions.

        Errors:

        - 400 for an invalid request, 401 for a bad token;
        - 409 ``SESSION_NOT_CONNECTED`` when the device is offline;
        - 422 ``INVALID_RECIPIENT`` for a recipient other than a phone or a group;
        - 404 ``GROUP_NOT_FOUND`` for an unknown group;
        - 409 ``SANDBOX_CONFLICT`` for a group the session is not in.
        """
        request = parse_request(NetSend, raw)
        session_id = check_session_id(request.session_id)
        message_id = check_id(request.message_id, "messageId")
        text = check_text(request.text)
        reply_to = check_optional_id(request.reply_to, "replyTo")
        mentions = check_mentions(request.mentions)

        device = await self._authenticate(session_id, request.token)
        if not device.online:
            raise not_connected(session_id)
        recipient = _parse_recipient(request.to)
        earlier = await self._inbox.find_sent(session_id, message_id)
        if earlier is not None:
            return Answer(_sent_data(earlier["id"], earlier["timestamp"]))

        account = _account_of(device)
        message = SentMessage(
            wa_message_id=new_device_message_id(),
            message_id=message_id,
            session_id=session_id,
            sender=account.jid,
            to=str(recipient),
            text=text,
            timestamp=utc_now(),
            reply_to=reply_to,
            mentions=mentions,
        )
        phones = await self._recipient_phones(recipient, account)
        await self._inbox.add(message, phones)
        await self._push_to_linked_sessions(message, account, phones)
        return Answer(_sent_data(message.wa_message_id, message.timestamp))

    async def _resume(self, session_id: str, token: str) -> Answer:
        device = await self._authenticate(session_id, token)
        await self._pairing.cancel(session_id)
        await self._devices.set_online(session_id, True)

        async def push_kept() -> None:
            await self._delivery.flush(session_id)

        me = _account_of(device).model_dump(by_alias=True, mode="json")
        return Answer({"state": "connected", "me": me}, push_kept)

    async def _authenticate(self, session_id: str, token: str) -> Device:
        device = await self._devices.get(session_id)
        if device is None or device.token is None:
            raise token_rejected()
        if not secrets.compare_digest(device.token.encode(), token.encode()):
            raise token_rejected()
        return device

    async def _recipient_phones(self, recipient: Jid, account: Account) -> list[str]:
        if not recipient.is_group:
            return [recipient.user]
        group = await self._groups.get(str(recipient))
        if group is None:
            raise group_not_found(str(recipient))
        if not group.has_member(account.jid):
            raise ConflictError(
                ErrorCode.SANDBOX_CONFLICT,
                f"the session's account is not a participant of group '{recipient}'",
            )
        return [phone for phone in group.member_phones() if phone != account.phone]

    async def _push_to_linked_sessions(
        self, message: SentMessage, account: Account, phones: list[str]
    ) -> None:
        """Push the message to every other session linked to a recipient's account."""
        push = PushMessage(
            wa_message_id=message.wa_message_id,
            chat=message.to if message.to.endswith("@g.us") else account.jid,
            sender=account.jid,
            push_name=account.push_name,
            timestamp=message.timestamp,
            text=message.text,
            reply_to=message.reply_to,
        )
        for phone in phones:
            for device in await self._devices.find_linked_to(phone):
                if device.session_id != message.session_id:
                    await self._delivery.deliver(device.session_id, push)


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


def _account_of(device: Device) -> Account:
    if device.account is None:
        raise token_rejected()
    return device.account


def _sent_data(wa_message_id: str, timestamp: datetime) -> dict[str, Any]:
    return {"waMessageId": wa_message_id, "timestamp": isoformat(timestamp)}

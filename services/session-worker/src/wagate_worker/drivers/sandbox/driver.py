"""The sandbox driver: one session's device on the simulated WhatsApp network.

The driver talks to the sandbox service over NATS: requests on
``wagate.sbx.net.<op>`` and, while connecting or connected, pushes on its
device subject ``wagate.sbx.dev.<session>``, which it acknowledges one at a
time, in order, after its listener has handled the event. A push that
arrives after the driver closed its device subject gets an ack with
``ok: false``, so the sandbox keeps it for the next connection.

Events come from the driver's push task and also from within ``connect``,
``disconnect``, ``logout``, ``send`` and the live requests:

- ``disconnect()`` ends with ``Disconnected(expected=True)`` and ``logout()``
  with ``LoggedOut``, so each lifecycle call reports its outcome;
- a pairing timeout becomes ``Failed``, because no phone scanned any of the
  codes: reconnecting by itself would only show new codes nobody looks at,
  and a new connect request starts pairing again;
- a token the network rejects becomes ``LoggedOut`` after the auth data is
  deleted, like a device the phone unlinked.

Live requests (read receipts, presence, contacts, groups, media downloads)
are requests on ``wagate.sbx.net.<op>`` too; their failures become
:class:`DriverRequestError` with the network's status and code. Media that a
phone sent is read from the ``media`` object store, where the api put it.

The auth data is JSON with the device token and the linked account.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

import nats.errors
from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError
from pydantic import ValidationError

from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.sandbox import (
    NetCheck,
    NetConnect,
    NetGroupCreate,
    NetGroupUpdate,
    NetInvite,
    NetJid,
    NetParticipants,
    NetPresence,
    NetRead,
    NetSessionRequest,
    Push,
    PushCall,
    PushDropped,
    PushGroupParticipants,
    PushGroupUpdate,
    PushLoggedOut,
    PushMessage,
    PushPaired,
    PushPairingCode,
    PushPairingTimeout,
    PushPresence,
    PushQr,
    PushReaction,
    PushReceipt,
    PushRevoke,
    Reply,
)
from wagate_common.schemas.sessions import Account
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import (
    Connected,
    Contact,
    Disconnected,
    DriverEvent,
    DriverListener,
    DriverRequestError,
    Failed,
    GroupInfo,
    LoggedOut,
    NotConnectedError,
    OutgoingMessage,
    PairingCodeIssued,
    ParticipantAction,
    ParticipantResult,
    PhoneCheck,
    PresenceState,
    QrChanged,
    SendError,
    SendResult,
    SessionDriver,
)
from wagate_worker.drivers.sandbox import incoming, replies
from wagate_worker.drivers.sandbox.auth import InvalidAuthDataError, StoredAuth
from wagate_worker.drivers.sandbox.channel import DeviceChannel
from wagate_worker.drivers.sandbox.outgoing import build_send

logger = logging.getLogger(__name__)

DriverState = Literal["idle", "connecting", "pairing", "connected"]
Result = TypeVar("Result")

# Time limit of reading one media object from the object store.
DOWNLOAD_TIMEOUT_SECONDS = 60.0


class SandboxUnreachableError(Exception):
    """The sandbox network sent no reply to a request, or an invalid one."""


class SandboxDriver(SessionDriver):
    """A session's device on the sandbox network."""

    def __init__(
        self,
        session_id: str,
        nats: Client,
        auth: AuthStore,
        listener: DriverListener,
        *,
        request_timeout_seconds: float = 5.0,
    ) -> None:
        self._session_id = session_id
        self._nats = nats
        self._auth = auth
        self._listener = listener
        self._timeout = request_timeout_seconds
        self._state: DriverState = "idle"
        self._channel: DeviceChannel | None = None
        self._token: str | None = None
        # The linked account's JID, to tell the session's own messages apart.
        self._me: str | None = None
        # Push tasks of closed channels may still be rejecting leftover pushes.
        self._push_tasks: set[asyncio.Task[None]] = set()
        self._log_extra = {"session_id": session_id}

    @property
    def state(self) -> DriverState:
        """Where the driver is in its lifecycle."""
        return self._state

    async def connect(self, pairing_phone: str | None) -> None:
        """Connect with the stored token, or start pairing by QR or pairing code."""
        if self._state in ("connecting", "connected"):
            return
        stored = await self._load_auth()
        channel = self._channel
        if channel is None:
            channel = await self._open_channel()
        self._state = "connecting"

        request = NetConnect(
            session_id=self._session_id,
            token=stored.token if stored else None,
            pairing_phone=None if stored else pairing_phone,
        )
        try:
            reply = await self._request("connect", request)
        except SandboxUnreachableError as error:
            await self._go_idle()
            await self._emit(Disconnected(reason=str(error), expected=False))
            return

        await self._apply_connect_reply(reply, stored)
        channel.open()

    async def disconnect(self) -> None:
        """Go offline and keep the link, so the next connect needs no pairing."""
        if self._state == "idle":
            return
        token = self._token if self._state == "connected" else None
        await self._go_idle()

        request = NetSessionRequest(session_id=self._session_id, token=token or "")
        try:
            reply = await self._request("disconnect", request)
        except SandboxUnreachableError as error:
            logger.warning(
                "sandbox disconnect not confirmed",
                extra={**self._log_extra, "error": str(error)},
            )
            reply = Reply(ok=True)
        if _is_token_rejected(reply):
            await self._drop_auth(reply)
            return
        logger.info("sandbox device disconnected", extra=self._log_extra)
        await self._emit(Disconnected(reason="disconnected on request", expected=True))

    async def logout(self) -> None:
        """Unlink the device on the network and delete its auth data.

        The auth data is deleted even when the network cannot be reached; the
        sandbox then keeps the link until the phone unlinks it.
        """
        await self._go_idle()
        token = self._token
        if token is None:
            stored = await self._load_auth()
            token = stored.token if stored else None

        request = NetSessionRequest(session_id=self._session_id, token=token or "")
        try:
            reply = await self._request("logout", request)
            if reply.error is not None and not _is_token_rejected(reply):
                logger.warning(
                    "sandbox logout rejected",
                    extra={**self._log_extra, "code": reply.error.code},
                )
        except SandboxUnreachableError as error:
            logger.warning(
                "sandbox logout not confirmed",
                extra={**self._log_extra, "error": str(error)},
            )

        await self._auth.delete(self._session_id)
        self._token = None
        logger.info("sandbox device logged out", extra=self._log_extra)
        await self._emit(LoggedOut(reason="logged out on request"))

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send a message, reaction, edit or revoke through the sandbox network.

        Raises:
            NotConnectedError: when the device is not connected, or the network
                reports that it is not. A ``Disconnected`` or ``LoggedOut``
                event is emitted first in that case.
            SendError: when the network is unreachable (``permanent=False``) or
                rejected the message (permanent unless it failed on its side).
        """
        if self._state != "connected" or self._token is None:
            raise NotConnectedError("the sandbox session is not connected")
        request = build_send(self._session_id, self._token, message)
        try:
            reply = await self._request("send", request)
        except SandboxUnreachableError as error:
            raise SendError(str(error), permanent=False) from error

        if reply.error is not None:
            await self._raise_send_error(reply)
        try:
            return SendResult(
                wa_message_id=str(reply.data["waMessageId"]),
                timestamp=datetime.fromisoformat(str(reply.data["timestamp"])),
            )
        except (KeyError, ValueError) as error:
            raise SendError(
                "the sandbox network's send reply lacks waMessageId or timestamp"
            ) from error

    # Live requests.

    async def mark_read(
        self, chat: str, sender: str | None, wa_message_ids: list[str]
    ) -> None:
        """Send read receipts; they show in the inbox of each message's author."""
        token = self._require_connected()
        request = NetRead(
            session_id=self._session_id,
            token=token,
            chat=chat,
            sender=sender,
            wa_message_ids=list(wa_message_ids),
        )
        await self._live("read", request)

    async def send_presence(self, chat: str, state: PresenceState) -> None:
        """Show a presence state in ``chat``; it shows in the chat's inboxes."""
        token = self._require_connected()
        request = NetPresence(
            session_id=self._session_id, token=token, chat=chat, state=state
        )
        await self._live("presence", request)

    async def list_contacts(self) -> list[Contact]:
        """Return the phones the session wrote to, that wrote to it, or share a group."""
        data = await self._live("contacts", self._session_request())
        return self._read(
            "contacts", lambda: [replies.contact_of(c) for c in data["contacts"]]
        )

    async def get_contact(self, jid: str) -> Contact | None:
        """Return one of the session's contacts, or None."""
        token = self._require_connected()
        request = NetJid(session_id=self._session_id, token=token, jid=jid)
        data = await self._live("contact", request)
        found = data.get("contact")
        return self._read("contact", lambda: replies.contact_of(found)) if found else None

    async def check_phones(self, phones: list[str]) -> list[PhoneCheck]:
        """Tell which numbers are on WhatsApp (all but those ending in ``0000``)."""
        token = self._require_connected()
        request = NetCheck(session_id=self._session_id, token=token, phones=list(phones))
        data = await self._live("check", request)
        return self._read(
            "check", lambda: [replies.phone_check_of(r) for r in data["results"]]
        )

    async def profile_picture_url(self, jid: str) -> str | None:
        """Return the fake picture URL of a user on WhatsApp or a group, or None."""
        token = self._require_connected()
        request = NetJid(session_id=self._session_id, token=token, jid=jid)
        data = await self._live("picture", request)
        url = data.get("url")
        return str(url) if url else None

    async def list_groups(self) -> list[GroupInfo]:
        """Return the groups the account is in."""
        data = await self._live("groups", self._session_request())
        return self._read("groups", lambda: [replies.group_of(g) for g in data["groups"]])

    async def get_group(self, group: str) -> GroupInfo:
        """Return a group; DriverRequestError(404, "GROUP_NOT_FOUND") if unknown."""
        token = self._require_connected()
        request = NetJid(session_id=self._session_id, token=token, jid=group)
        data = await self._live("group", request)
        return self._read("group", lambda: replies.group_of(data))

    async def create_group(self, subject: str, participants: list[str]) -> GroupInfo:
        """Create a group owned by the account; numbers not on WhatsApp are left out."""
        token = self._require_connected()
        request = NetGroupCreate(
            session_id=self._session_id,
            token=token,
            subject=subject,
            participants=list(participants),
        )
        data = await self._live("group_create", request)
        return self._read("group_create", lambda: replies.group_of(data))

    async def update_group(
        self,
        group: str,
        *,
        subject: str | None = None,
        description: str | None = None,
        announce: bool | None = None,
        locked: bool | None = None,
    ) -> GroupInfo:
        """Change the fields given; return the group as it is afterwards."""
        token = self._require_connected()
        request = NetGroupUpdate(
            session_id=self._session_id,
            token=token,
            jid=group,
            subject=subject,
            description=description,
            announce=announce,
            locked=locked,
        )
        data = await self._live("group_update", request)
        return self._read("group_update", lambda: replies.group_of(data))

    async def update_participants(
        self, group: str, action: ParticipantAction, participants: list[str]
    ) -> list[ParticipantResult]:
        """Add, remove, promote or demote; one result per participant, in order."""
        token = self._require_connected()
        request = NetParticipants(
            session_id=self._session_id,
            token=token,
            jid=group,
            action=action,
            participants=list(participants),
        )
        data = await self._live("participants", request)
        return self._read(
            "participants",
            lambda: [replies.participant_result_of(row) for row in data["results"]],
        )

    async def invite_link(self, group: str, reset: bool = False) -> str:
        """Return the group's invite link; ``reset`` revokes the old one first."""
        token = self._require_connected()
        request = NetInvite(
            session_id=self._session_id, token=token, jid=group, reset=reset
        )
        data = await self._live("invite", request)
        return self._read("invite", lambda: str(data["link"]))

    async def download_media(self, download: dict[str, Any]) -> bytes:
        """Read the bytes of a phone's media from the ``media`` object store.

        Raises:
            DriverRequestError: 409 when offline; 404 ``NOT_FOUND`` when the
                media has no object (a session's media, whose bytes the
                sandbox never kept) or the object expired; 503 when the
                object store cannot be read.
        """
        self._require_connected()
        name = download.get("object")
        if not isinstance(name, str) or not name:
            raise DriverRequestError(
                404, "NOT_FOUND", "the sandbox kept no bytes of this media"
            )
        try:
            store = await self._nats.jetstream().object_store(subjects.MEDIA_BUCKET)
            async with asyncio.timeout(DOWNLOAD_TIMEOUT_SECONDS):
                result = await store.get(name)
        except ObjectNotFoundError as error:
            raise DriverRequestError(
                404, "NOT_FOUND", f"media object '{name}' does not exist or expired"
            ) from error
        except (nats.errors.Error, TimeoutError) as error:
            raise DriverRequestError(
                503,
                "NOT_READY",
                f"media object '{name}' could not be read: {type(error).__name__}",
            ) from error
        return result.data or b""

    def _require_connected(self) -> str:
        """Return the device token, or raise 409 ``SESSION_NOT_CONNECTED``."""
        if self._state != "connected" or self._token is None:
            raise DriverRequestError(
                409,
                ErrorCode.SESSION_NOT_CONNECTED.value,
                f"session '{self._session_id}' is not connected to the sandbox",
            )
        return self._token

    def _session_request(self) -> NetSessionRequest:
        token = self._require_connected()
        return NetSessionRequest(session_id=self._session_id, token=token)

    async def _live(self, operation: str, request: WireModel) -> dict[str, Any]:
        """Send a live request and return its data, or raise DriverRequestError.

        A rejected token drops the auth data. A network that considers the
        device offline makes it idle. Both raise 409, as for an offline session.
        """
        try:
            reply = await self._request(operation, request)
        except SandboxUnreachableError as error:
            raise DriverRequestError(
                503, ErrorCode.NOT_READY.value, str(error)
            ) from error
        if reply.error is None:
            return reply.data
        if _is_token_rejected(reply):
            await self._go_idle()
            await self._drop_auth(reply)
        elif reply.error.code == ErrorCode.SESSION_NOT_CONNECTED.value:
            await self._go_idle()
            reason = "the sandbox network no longer considers the device connected"
            await self._emit(Disconnected(reason=reason, expected=False))
        else:
            raise DriverRequestError(
                reply.error.status, reply.error.code, reply.error.message
            )
        raise DriverRequestError(
            409,
            ErrorCode.SESSION_NOT_CONNECTED.value,
            f"session '{self._session_id}' is not connected to the sandbox",
        )

    @staticmethod
    def _read(operation: str, parse: Callable[[], Result]) -> Result:
        try:
            return parse()
        except (KeyError, TypeError, ValueError) as error:
            raise replies.invalid_reply(operation, error) from error

    async def _apply_connect_reply(self, reply: Reply, stored: StoredAuth | None) -> None:
        if _is_token_rejected(reply):
            await self._go_idle()
            await self._drop_auth(reply)
            return
        if reply.error is not None:
            await self._go_idle()
            reason = f"the sandbox rejected the connection: {reply.error.message}"
            await self._emit(Failed(reason=reason))
            return

        if reply.data.get("state") != "connected":
            self._state = "pairing"
            logger.info("sandbox device pairing", extra=self._log_extra)
            return
        try:
            account = Account.model_validate(reply.data.get("me"))
        except ValidationError:
            await self._go_idle()
            await self._emit(Failed(reason="the sandbox answered without an account"))
            return
        self._token = stored.token if stored else None
        self._me = account.jid
        self._state = "connected"
        logger.info("sandbox device connected", extra=self._log_extra)
        await self._emit(Connected(account=account))

    async def _raise_send_error(self, reply: Reply) -> None:
        assert reply.error is not None
        if _is_token_rejected(reply):
            await self._go_idle()
            await self._drop_auth(reply)
            raise NotConnectedError("the sandbox revoked this device's token")
        if reply.error.code == ErrorCode.SESSION_NOT_CONNECTED.value:
            await self._go_idle()
            reason = "the sandbox network no longer considers the device connected"
            await self._emit(Disconnected(reason=reason, expected=False))
            raise NotConnectedError(reason)
        raise SendError(
            f"{reply.error.code}: {reply.error.message}",
            permanent=reply.error.status < 500,
        )

    async def _handle_push(self, push: Push) -> None:
        """Turn one push into driver events; called by the push task, in order."""
        match push:
            case PushQr():
                await self._emit(QrChanged(code=push.code, expires_at=push.expires_at))
            case PushPairingCode():
                event = PairingCodeIssued(code=push.code, expires_at=push.expires_at)
                await self._emit(event)
            case PushPairingTimeout():
                await self._go_idle()
                reason = (
                    "pairing timed out: no phone scanned a QR code or entered the code"
                )
                await self._emit(Failed(reason=reason))
            case PushPaired():
                await self._auth.save(
                    self._session_id, StoredAuth(push.token, push.me).to_bytes()
                )
                self._token = push.token
                self._me = push.me.jid
                self._state = "connected"
                logger.info("sandbox device paired", extra=self._log_extra)
                await self._emit(Connected(account=push.me))
            case PushMessage():
                await self._emit(incoming.message_event(push, self._me))
            case PushReceipt():
                await self._emit(incoming.receipt_event(push))
            case PushReaction():
                await self._emit(incoming.reaction_event(push, self._me))
            case PushRevoke():
                await self._emit(incoming.revoke_event(push, self._me))
            case PushPresence():
                await self._emit(incoming.presence_event(push))
            case PushCall():
                await self._emit(incoming.call_event(push))
            case PushGroupParticipants():
                await self._emit(incoming.participants_event(push))
            case PushGroupUpdate():
                await self._emit(incoming.group_update_event(push))
            case PushLoggedOut():
                await self._go_idle()
                await self._auth.delete(self._session_id)
                self._token = None
                logger.info("sandbox device unlinked by the phone", extra=self._log_extra)
                await self._emit(LoggedOut(reason=push.reason))
            case PushDropped():
                await self._go_idle()
                logger.info("sandbox connection dropped", extra=self._log_extra)
                reason = "the sandbox network dropped the connection"
                await self._emit(Disconnected(reason=reason, expected=False))

    async def _open_channel(self) -> DeviceChannel:
        channel = DeviceChannel(self._handle_push)
        await channel.start(self._nats, subjects.sandbox_device(self._session_id))
        if channel.task is not None:
            self._push_tasks.add(channel.task)
            channel.task.add_done_callback(self._push_tasks.discard)
        self._channel = channel
        return channel

    async def _go_idle(self) -> None:
        """Close the device subject; pushes still queued go back to the network."""
        self._state = "idle"
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.close()

    async def _load_auth(self) -> StoredAuth | None:
        """Return the stored auth data, or None; unreadable data is deleted.

        Without usable auth data the device pairs again, as it would after the
        phone unlinked it.
        """
        data = await self._auth.load(self._session_id)
        if data is None:
            return None
        try:
            return StoredAuth.from_bytes(data)
        except InvalidAuthDataError:
            await self._auth.delete(self._session_id)
            logger.warning("unreadable sandbox auth data deleted", extra=self._log_extra)
            return None

    async def _drop_auth(self, reply: Reply) -> None:
        await self._auth.delete(self._session_id)
        self._token = None
        logger.info("sandbox token rejected, auth data deleted", extra=self._log_extra)
        reason = reply.error.message if reply.error else "the device token was rejected"
        await self._emit(LoggedOut(reason=reason))

    async def _request(self, operation: str, request: WireModel) -> Reply:
        subject = subjects.sandbox_net(operation)
        try:
            answer = await self._nats.request(
                subject, request.to_wire(), timeout=self._timeout
            )
        except nats.errors.NoRespondersError as error:
            raise SandboxUnreachableError("the sandbox network is not running") from error
        except nats.errors.TimeoutError as error:
            raise SandboxUnreachableError(
                "the sandbox network did not reply in time"
            ) from error
        except nats.errors.Error as error:
            raise SandboxUnreachableError(
                f"the sandbox network could not be reached: {type(error).__name__}"
            ) from error
        try:
            return Reply.model_validate_json(answer.data)
        except ValidationError as error:
            raise SandboxUnreachableError(
                "the sandbox network sent an invalid reply"
            ) from error

    async def _emit(self, event: DriverEvent) -> None:
        await self._listener.on_driver_event(event)


def _is_token_rejected(reply: Reply) -> bool:
    return reply.error is not None and reply.error.code == ErrorCode.UNAUTHORIZED.value

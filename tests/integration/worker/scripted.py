"""A scripted stand-in for the WhatsApp network, behind the driver contract.

The worker under test runs real leases, consumers, records and events. Only
the network is simulated here. Each test scripts what the network does: pair
a device, drop a connection, unlink the phone, fail a send, send a receipt,
and the contacts, groups and media that live requests find.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from nats.aio.client import Client

from wagate_common.ids import utc_now
from wagate_common.schemas.commands import TextContent
from wagate_common.schemas.sessions import Account
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import (
    Connected,
    Contact,
    Disconnected,
    DriverEvent,
    DriverListener,
    DriverRequestError,
    GroupInfo,
    GroupParticipant,
    LoggedOut,
    MessageReceived,
    NotConnectedError,
    OutgoingMessage,
    PairingCodeIssued,
    ParticipantAction,
    ParticipantResult,
    PhoneCheck,
    PresenceState,
    QrChanged,
    ReceiptReceived,
    SendError,
    SendResult,
    SessionDriver,
)

UNREACHABLE_REASON = "WhatsApp could not be reached: network is unreachable"


@dataclass(frozen=True)
class SentMessage:
    """A message the network accepted; ``text`` is set for text messages."""

    session_id: str
    message_id: str
    to: str
    text: str | None
    wa_message_id: str
    message: OutgoingMessage


@dataclass(frozen=True)
class LiveCall:
    """A live request a driver received: the method's name and its arguments."""

    session_id: str
    method: str
    arguments: tuple[Any, ...]


def account_of(phone: str) -> Account:
    """Return the account a phone number links as."""
    return Account(jid=f"{phone}@s.whatsapp.net", phone=phone, push_name="Tester")


@dataclass
class ScriptedNetwork:
    """The simulated network: every session's device, and what tests script."""

    sent: list[SentMessage] = field(default_factory=list)
    connects: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    logouts: list[str] = field(default_factory=list)
    send_failures: defaultdict[str, list[SendError]] = field(
        default_factory=lambda: defaultdict(list)
    )
    drivers: dict[str, ScriptedDriver] = field(default_factory=dict)
    # What live requests find, shared by every session.
    contacts: dict[str, Contact] = field(default_factory=dict)
    on_whatsapp: dict[str, str] = field(default_factory=dict)  # phone -> JID
    pictures: dict[str, str] = field(default_factory=dict)
    groups: dict[str, GroupInfo] = field(default_factory=dict)
    invite_codes: dict[str, str] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)  # download["url"] -> bytes
    calls: list[LiveCall] = field(default_factory=list)
    # A live request by method name raises the error, or waits for the event.
    request_failures: dict[str, Exception] = field(default_factory=dict)
    request_gates: dict[str, asyncio.Event] = field(default_factory=dict)
    # Sessions whose connect reports nothing, like a start that never ends.
    silent_connects: set[str] = field(default_factory=set)
    # Sessions whose every connect fails at once, as without a network.
    unreachable: set[str] = field(default_factory=set)
    _wa_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def create_driver(
        self, session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
    ) -> SessionDriver:
        """The driver factory the worker's registry calls."""
        driver = ScriptedDriver(self, session_id, auth, listener)
        self.drivers[session_id] = driver
        return driver

    def fail_next_send(self, message_id: str, error: SendError) -> None:
        """Make the next send of ``message_id`` raise ``error``."""
        self.send_failures[message_id].append(error)

    def next_wa_id(self) -> str:
        return f"WA{next(self._wa_ids):06d}"

    def sent_ids(self, session_id: str) -> list[str]:
        return [m.message_id for m in self.sent if m.session_id == session_id]

    def calls_of(self, method: str) -> list[LiveCall]:
        return [call for call in self.calls if call.method == method]


class ScriptedDriver(SessionDriver):
    """One session's device: connects with stored auth data, else shows a QR code."""

    def __init__(
        self,
        network: ScriptedNetwork,
        session_id: str,
        auth: AuthStore,
        listener: DriverListener,
    ) -> None:
        self.network = network
        self.session_id = session_id
        self.auth = auth
        self.listener = listener
        self.state = "idle"

    async def connect(self, pairing_phone: str | None) -> None:
        self.network.connects[self.session_id] += 1
        if self.session_id in self.network.silent_connects:
            return
        if self.session_id in self.network.unreachable:
            await self.emit(Disconnected(reason=UNREACHABLE_REASON, expected=False))
            return
        data = await self.auth.load(self.session_id)
        if data is not None:
            self.state = "connected"
            await self.emit(Connected(account=account_of(data.decode())))
            return
        self.state = "pairing"
        expires_at = utc_now() + timedelta(seconds=60)
        if pairing_phone:
            await self.emit(PairingCodeIssued(code="ABCD1234", expires_at=expires_at))
        else:
            await self.emit(QrChanged(code="qr-1", expires_at=expires_at))

    async def disconnect(self) -> None:
        if self.state == "idle":
            return
        self.state = "idle"
        await self.emit(Disconnected(reason="disconnected on request", expected=True))

    async def logout(self) -> None:
        self.state = "idle"
        await self.auth.delete(self.session_id)
        self.network.logouts.append(self.session_id)
        await self.emit(LoggedOut(reason="logged out on request"))

    async def send(self, message: OutgoingMessage) -> SendResult:
        if self.state != "connected":
            raise NotConnectedError("the scripted session is not connected")
        failures = self.network.send_failures[message.message_id]
        if failures:
            raise failures.pop(0)
        wa_message_id = self.network.next_wa_id()
        content = message.content
        text = content.text if isinstance(content, TextContent) else None
        self.network.sent.append(
            SentMessage(
                self.session_id,
                message.message_id,
                message.to,
                text,
                wa_message_id,
                message,
            )
        )
        return SendResult(wa_message_id=wa_message_id, timestamp=utc_now())

    # Live requests, served from the network's scripted data.

    async def mark_read(
        self, chat: str, sender: str | None, wa_message_ids: list[str]
    ) -> None:
        await self._live("mark_read", chat, sender, wa_message_ids)

    async def send_presence(self, chat: str, state: PresenceState) -> None:
        await self._live("send_presence", chat, state)

    async def list_contacts(self) -> list[Contact]:
        await self._live("list_contacts")
        return list(self.network.contacts.values())

    async def get_contact(self, jid: str) -> Contact | None:
        await self._live("get_contact", jid)
        return self.network.contacts.get(jid)

    async def check_phones(self, phones: list[str]) -> list[PhoneCheck]:
        await self._live("check_phones", phones)
        on_whatsapp = self.network.on_whatsapp
        return [
            PhoneCheck(phone, phone in on_whatsapp, on_whatsapp.get(phone))
            for phone in phones
        ]

    async def profile_picture_url(self, jid: str) -> str | None:
        await self._live("profile_picture_url", jid)
        return self.network.pictures.get(jid)

    async def list_groups(self) -> list[GroupInfo]:
        await self._live("list_groups")
        return list(self.network.groups.values())

    async def get_group(self, group: str) -> GroupInfo:
        await self._live("get_group", group)
        return self._group(group)

    async def create_group(self, subject: str, participants: list[str]) -> GroupInfo:
        await self._live("create_group", subject, participants)
        group_id = f"1203630{len(self.network.groups) + 1:05d}@g.us"
        info = GroupInfo(
            id=group_id,
            subject=subject,
            description=None,
            owner=account_of(self.session_id).jid,
            created_at=utc_now(),
            announce=False,
            locked=False,
            participants=[GroupParticipant(jid) for jid in participants],
        )
        self.network.groups[group_id] = info
        return info

    async def update_group(
        self,
        group: str,
        *,
        subject: str | None = None,
        description: str | None = None,
        announce: bool | None = None,
        locked: bool | None = None,
    ) -> GroupInfo:
        await self._live("update_group", group, subject, description, announce, locked)
        info = self._group(group)
        info = replace(
            info,
            subject=info.subject if subject is None else subject,
            description=info.description if description is None else description,
            announce=info.announce if announce is None else announce,
            locked=info.locked if locked is None else locked,
        )
        self.network.groups[group] = info
        return info

    async def update_participants(
        self, group: str, action: ParticipantAction, participants: list[str]
    ) -> list[ParticipantResult]:
        await self._live("update_participants", group, action, participants)
        members = {p.jid for p in self._group(group).participants}
        results = []
        for jid in participants:
            known = jid in members
            if action == "add":
                results.append(
                    ParticipantResult(
                        jid, not known, "already in the group" if known else None
                    )
                )
            else:
                results.append(
                    ParticipantResult(jid, known, None if known else "not in the group")
                )
        return results

    async def invite_link(self, group: str, reset: bool = False) -> str:
        await self._live("invite_link", group, reset)
        self._group(group)
        if reset or group not in self.network.invite_codes:
            self.network.invite_codes[group] = f"CODE{len(self.network.calls)}"
        return f"https://chat.whatsapp.com/{self.network.invite_codes[group]}"

    async def download_media(self, download: dict[str, Any]) -> bytes:
        await self._live("download_media", download)
        data = self.network.media.get(download.get("url", ""))
        if data is None:
            raise DriverRequestError(404, "NOT_FOUND", "the media is no longer available")
        return data

    async def _live(self, method: str, *arguments: Any) -> None:
        """Record a live request, then fail or wait as the test scripted."""
        self.network.calls.append(LiveCall(self.session_id, method, arguments))
        if self.state != "connected":
            raise DriverRequestError(
                409, "SESSION_NOT_CONNECTED", "the scripted session is not connected"
            )
        gate = self.network.request_gates.get(method)
        if gate is not None:
            await gate.wait()
        failure = self.network.request_failures.get(method)
        if failure is not None:
            raise failure

    def _group(self, group: str) -> GroupInfo:
        info = self.network.groups.get(group)
        if info is None:
            raise DriverRequestError(
                404, "GROUP_NOT_FOUND", f"group '{group}' was not found"
            )
        return info

    # What the test makes the network do.

    async def pair(self, phone: str) -> None:
        """A phone scans the QR code: the device is linked and online."""
        await self.auth.save(self.session_id, phone.encode())
        self.state = "connected"
        await self.emit(Connected(account=account_of(phone)))

    async def drop(self) -> None:
        """The connection breaks by itself."""
        self.state = "idle"
        await self.emit(Disconnected(reason="connection reset", expected=False))

    async def unlink(self) -> None:
        """The phone removes the linked device."""
        self.state = "idle"
        await self.auth.delete(self.session_id)
        await self.emit(LoggedOut(reason="unlinked from the phone"))

    async def receipt(self, wa_message_ids: list[str], status: str) -> None:
        """The recipient's phone reports messages delivered, read or played."""
        event = ReceiptReceived(
            wa_message_ids=wa_message_ids,
            status=status,
            chat="15550100002@s.whatsapp.net",
            sender="15550100002@s.whatsapp.net",
            timestamp=utc_now(),
        )
        await self.emit(event)

    async def receive(self, event: MessageReceived) -> None:
        """A contact sends the session a message."""
        await self.emit(event)

    async def emit(self, event: DriverEvent) -> None:
        await self.listener.on_driver_event(event)

"""Messages between sandbox drivers, the api and the sandbox network.

Three conversations, all over core NATS request/reply:

- a driver asks the network (``wagate.sbx.net.<op>``): connect, disconnect,
  logout, send, read, presence, contacts, check, picture, groups and the
  group operations;
- the api acts as the phones (``wagate.sbx.api.<op>``): pair, message, inbox,
  receipt, group, logout, drop, reaction, revoke, presence, call,
  participants and group_update;
- the network pushes to a session's device (``wagate.sbx.dev.<session>``):
  QR codes, pairing, messages, receipts, reactions, revokes, presence, calls,
  group changes, logout and drops. The device answers each push with
  :class:`Ack`; a message, receipt, reaction, revoke or group push nobody
  acknowledges stays queued in the sandbox and is pushed again when the
  device next connects, the way WhatsApp keeps messages for an offline device.
  Presence and call pushes are not kept.

Every reply is a :class:`Reply`: ``ok`` with data, or an error the api can
answer with as it is.

Media bytes never travel in these messages, because core NATS carries at
most 1 MiB: a session's media is described by its metadata only, and a
phone's media is stored by the api in the ``media`` object store and named by
its object name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from wagate_common.schemas.base import WireModel

# Re-exported: the sandbox's modules and tests import them from here.
from wagate_common.schemas.replies import Reply as Reply
from wagate_common.schemas.replies import ReplyError as ReplyError
from wagate_common.schemas.sessions import Account

SandboxMessageType = Literal[
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contact",
    "poll",
    "reaction",
    "edit",
    "revoke",
]
PresenceStateName = Literal["typing", "recording", "paused", "available", "unavailable"]
GroupAction = Literal["add", "remove", "promote", "demote"]


class Ack(WireModel):
    """A device's acknowledgement of a push."""

    ok: bool = True


# Content parts shared by sends, phone messages and pushes.


class WireMedia(WireModel):
    """Media metadata; ``object`` names the bytes in the ``media`` object store.

    A session's media has no ``object``: the sandbox keeps the metadata only.
    """

    mimetype: str
    size: int | None = None
    sha256: str | None = None
    filename: str | None = None
    ptt: bool = False
    object: str | None = None


class WireLocation(WireModel):
    """A pinned location."""

    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


class WireContact(WireModel):
    """One contact card; the network fills ``vcard`` when it is missing."""

    name: str
    phone: str
    vcard: str | None = None


class WirePoll(WireModel):
    """A poll; ``selectable`` is how many options a voter may pick."""

    question: str
    options: list[str]
    selectable: int = 1


class WireTarget(WireModel):
    """The message a reaction, edit or revoke refers to."""

    wa_message_id: str
    chat: str | None = None
    from_me: bool = True
    sender: str | None = None


class WirePreview(WireModel):
    """A link preview the worker fetched for a text."""

    url: str
    title: str | None = None
    description: str | None = None


class WireContent(WireModel):
    """A message's content; only the fields of its ``type`` are set."""

    type: SandboxMessageType = "text"
    text: str | None = None
    caption: str | None = None
    media: WireMedia | None = None
    location: WireLocation | None = None
    contacts: list[WireContact] = Field(default_factory=list)
    poll: WirePoll | None = None
    target: WireTarget | None = None
    emoji: str | None = None
    reply_to: str | None = None
    mentions: list[str] = Field(default_factory=list)
    forwarded: bool = False
    link_preview: WirePreview | None = None


# Driver -> network requests.


class NetConnect(WireModel):
    """A device comes online; without a token it starts pairing."""

    session_id: str
    token: str | None = None
    pairing_phone: str | None = None


class NetSessionRequest(WireModel):
    """A device request naming only itself (disconnect, logout, contacts, groups)."""

    session_id: str
    token: str


class NetSend(WireContent):
    """A device sends a message; the reply carries ``waMessageId`` and ``timestamp``."""

    session_id: str
    token: str
    message_id: str
    to: str


class NetRead(NetSessionRequest):
    """A device marks messages of a chat read."""

    chat: str
    sender: str | None = None
    wa_message_ids: list[str]


class NetPresence(NetSessionRequest):
    """A device shows typing, recording or paused in a chat, or (un)available."""

    chat: str = ""
    state: PresenceStateName


class NetJid(NetSessionRequest):
    """A device request about one user or group JID (contact, picture, group)."""

    jid: str


class NetCheck(NetSessionRequest):
    """A device asks which phone numbers are on WhatsApp."""

    phones: list[str]


class NetGroupCreate(NetSessionRequest):
    """A device creates a group with itself as the owner."""

    subject: str
    participants: list[str]


class NetGroupUpdate(NetSessionRequest):
    """A device changes a group's subject, description or settings."""

    jid: str
    subject: str | None = None
    description: str | None = None
    announce: bool | None = None
    locked: bool | None = None


class NetParticipants(NetSessionRequest):
    """A device adds, removes, promotes or demotes participants of a group."""

    jid: str
    action: GroupAction
    participants: list[str]


class NetInvite(NetSessionRequest):
    """A device asks for a group's invite link, optionally revoking the old one."""

    jid: str
    reset: bool = False


# Network -> device pushes.


class PushQr(WireModel):
    """A new QR code to show; it replaces the previous one."""

    kind: Literal["qr"] = "qr"
    code: str
    expires_at: datetime


class PushPairingCode(WireModel):
    """A pairing code to type on the phone, instead of scanning a QR code."""

    kind: Literal["pairing_code"] = "pairing_code"
    code: str
    expires_at: datetime


class PushPairingTimeout(WireModel):
    """Nobody scanned any QR code in time; the device stops pairing."""

    kind: Literal["pairing_timeout"] = "pairing_timeout"


class PushPaired(WireModel):
    """A phone linked the device; ``token`` is the device's credential from now on."""

    kind: Literal["paired"] = "paired"
    token: str
    me: Account


class PushMessage(WireContent):
    """A message for the session from a contact, a group or another session."""

    kind: Literal["message"] = "message"
    wa_message_id: str
    chat: str
    sender: str
    push_name: str | None = None
    timestamp: datetime


class PushReceipt(WireModel):
    """The other side received or read messages the session sent."""

    kind: Literal["receipt"] = "receipt"
    wa_message_ids: list[str]
    status: Literal["delivered", "read", "played"]
    chat: str
    sender: str
    timestamp: datetime


class PushReaction(WireModel):
    """Someone reacted to a message; an empty ``emoji`` removed the reaction."""

    kind: Literal["reaction"] = "reaction"
    wa_message_id: str
    target_wa_message_id: str
    chat: str
    sender: str
    emoji: str
    timestamp: datetime


class PushRevoke(WireModel):
    """Someone deleted one of their messages for everyone."""

    kind: Literal["revoke"] = "revoke"
    wa_message_id: str
    chat: str
    sender: str
    timestamp: datetime


class PushPresence(WireModel):
    """A contact is typing, recording or paused in a chat, or came on or off line."""

    kind: Literal["presence"] = "presence"
    chat: str
    sender: str
    state: PresenceStateName
    timestamp: datetime


class PushCall(WireModel):
    """A contact is calling the session's account."""

    kind: Literal["call"] = "call"
    call_id: str
    caller: str
    video: bool = False
    timestamp: datetime


class PushGroupParticipants(WireModel):
    """Participants of a group were added, removed, promoted or demoted."""

    kind: Literal["group_participants"] = "group_participants"
    group: str
    action: GroupAction
    participants: list[str]
    by: str | None = None
    timestamp: datetime


class PushGroupUpdate(WireModel):
    """A group's subject, description or settings changed; the rest is null."""

    kind: Literal["group_update"] = "group_update"
    group: str
    by: str | None = None
    subject: str | None = None
    description: str | None = None
    announce: bool | None = None
    locked: bool | None = None
    timestamp: datetime


class PushLoggedOut(WireModel):
    """The phone unlinked the device; its token is no longer valid."""

    kind: Literal["logged_out"] = "logged_out"
    reason: str


class PushDropped(WireModel):
    """The connection broke; the device must connect again."""

    kind: Literal["dropped"] = "dropped"


# Pushes the sandbox keeps for an offline device and pushes again in order.
KeptPush = (
    PushMessage
    | PushReceipt
    | PushReaction
    | PushRevoke
    | PushGroupParticipants
    | PushGroupUpdate
)

Push = Annotated[
    PushQr
    | PushPairingCode
    | PushPairingTimeout
    | PushPaired
    | PushMessage
    | PushReceipt
    | PushReaction
    | PushRevoke
    | PushPresence
    | PushCall
    | PushGroupParticipants
    | PushGroupUpdate
    | PushLoggedOut
    | PushDropped,
    Field(discriminator="kind"),
]
push_adapter: TypeAdapter[Push] = TypeAdapter(Push)


# Api (acting as the phones) -> network requests.


class ApiPair(WireModel):
    """A phone scans the session's QR code (or types its pairing code).

    ``session_status`` is the session's status as the api stored it, quoted
    in the error when the session is not pairing.
    """

    session_id: str
    phone: str
    push_name: str | None = None
    session_status: str | None = None


class ApiMessage(WireContent):
    """A contact sends the session a message; media is already in the object store."""

    session_id: str
    sender: str = Field(alias="from")
    group_id: str | None = None
    push_name: str | None = None


class ApiInbox(WireModel):
    """Read what a phone received from sessions."""

    phone: str
    limit: int = 100


class ApiReceipt(WireModel):
    """The recipient of a session's message reports it delivered or read."""

    session_id: str
    message_id: str
    status: Literal["delivered", "read"]


class ApiGroup(WireModel):
    """A contact creates a group with the session's account and other phones in it."""

    session_id: str
    subject: str
    participants: list[str]


class ApiSessionAction(WireModel):
    """An action on one session's link: logout from the phone, or a drop."""

    session_id: str


class ApiReaction(WireModel):
    """A phone reacts to a message of its chat with the session."""

    session_id: str
    sender: str = Field(alias="from")
    message_id: str
    emoji: str


class ApiRevoke(WireModel):
    """A phone deletes a message it sent to the session, for everyone."""

    session_id: str
    sender: str = Field(alias="from")
    message_id: str


class ApiPresence(WireModel):
    """A phone shows a presence state to the session, in a group when given."""

    session_id: str
    sender: str = Field(alias="from")
    state: PresenceStateName
    group_id: str | None = None


class ApiCall(WireModel):
    """A phone calls the session's account."""

    session_id: str
    sender: str = Field(alias="from")
    video: bool = False


class ApiParticipants(WireModel):
    """A phone changes the participants of a group the session is in."""

    session_id: str
    group_id: str
    by: str
    action: GroupAction
    participants: list[str]


class ApiGroupUpdate(WireModel):
    """A phone changes the subject, description or settings of a group."""

    session_id: str
    group_id: str
    by: str
    subject: str | None = None
    description: str | None = None
    announce: bool | None = None
    locked: bool | None = None

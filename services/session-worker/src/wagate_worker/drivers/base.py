"""The contract between the session runtime and a network driver.

A driver owns one session's connection. The runtime calls its methods and
receives what happens through a :class:`DriverListener`; the runtime, not the
driver, decides when to reconnect after a drop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from wagate_common.schemas.commands import MessageContent, TextContent
from wagate_common.schemas.sessions import Account


@dataclass(frozen=True)
class QrChanged:
    """A new QR code to scan; the previous one is no longer valid."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PairingCodeIssued:
    """A code to type on the phone (pairing by phone number)."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Connected:
    """The session is online as ``account``."""

    account: Account


@dataclass(frozen=True)
class Disconnected:
    """The connection ended; ``expected`` is False when it broke by itself."""

    reason: str
    expected: bool


@dataclass(frozen=True)
class LoggedOut:
    """The device was unlinked; the driver has already dropped its auth data."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """The driver gave up for good (ban, pairing never completed, bad auth data)."""

    reason: str


@dataclass(frozen=True)
class ReceivedMedia:
    """What a received image, video, audio, document or sticker carries.

    ``download`` is the driver's own description of where the bytes are (for
    neonize: the fields ``download_any`` needs); it is stored, never published,
    and handed back to :meth:`SessionDriver.download_media` on request.
    """

    mimetype: str
    size: int | None = None
    filename: str | None = None
    sha256: str | None = None
    seconds: int | None = None
    ptt: bool = False
    width: int | None = None
    height: int | None = None
    download: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceivedLocation:
    """A received location."""

    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ReceivedContact:
    """One contact card of a received contact message."""

    name: str
    vcard: str
    phone: str | None = None


@dataclass(frozen=True)
class ReceivedPoll:
    """A received poll."""

    question: str
    options: list[str]
    selectable: int = 1


ReceivedType = Literal[
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contact",
    "poll",
    "unknown",
]


@dataclass(frozen=True)
class ReceivedContent:
    """The content of a received message; only the fields of its ``type`` are set."""

    type: ReceivedType
    text: str | None = None
    caption: str | None = None
    media: ReceivedMedia | None = None
    location: ReceivedLocation | None = None
    contacts: list[ReceivedContact] = field(default_factory=list)
    poll: ReceivedPoll | None = None


@dataclass(frozen=True)
class MessageReceived:
    """An incoming message; ``sender_phone`` is given when the sender is an @lid.

    ``from_me`` marks a message the account itself sent from another device
    (its phone); ``mentions`` are the JIDs the message mentions. ``edited``
    marks new content for the earlier message ``wa_message_id``.
    """

    wa_message_id: str
    chat: str
    sender: str
    timestamp: datetime
    content: ReceivedContent
    push_name: str | None = None
    sender_phone: str | None = None
    chat_phone: str | None = None
    reply_to: str | None = None
    is_group: bool = False
    from_me: bool = False
    forwarded: bool = False
    mentions: list[str] = field(default_factory=list)
    edited: bool = False

    @property
    def text(self) -> str | None:
        """The text, or the caption of media."""
        return (
            self.content.text if self.content.text is not None else self.content.caption
        )


@dataclass(frozen=True)
class ReceiptReceived:
    """The other side received, read or played messages the session sent."""

    wa_message_ids: list[str]
    status: str
    chat: str
    sender: str
    timestamp: datetime


@dataclass(frozen=True)
class ReactionReceived:
    """Someone reacted to a message; an empty ``emoji`` removed their reaction."""

    wa_message_id: str
    target_wa_message_id: str
    chat: str
    sender: str
    emoji: str
    timestamp: datetime
    sender_phone: str | None = None
    from_me: bool = False


@dataclass(frozen=True)
class MessageRevoked:
    """A message was deleted for everyone."""

    wa_message_id: str
    chat: str
    sender: str
    timestamp: datetime
    sender_phone: str | None = None
    from_me: bool = False


@dataclass(frozen=True)
class GroupParticipantsChanged:
    """People joined, left, were added, removed, promoted or demoted in a group."""

    group: str
    action: Literal["add", "remove", "promote", "demote"]
    participants: list[str]
    timestamp: datetime
    by: str | None = None
    participant_phones: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupUpdated:
    """A group's subject, description or settings changed; unchanged fields are None."""

    group: str
    timestamp: datetime
    by: str | None = None
    subject: str | None = None
    description: str | None = None
    announce: bool | None = None
    locked: bool | None = None


@dataclass(frozen=True)
class PresenceChanged:
    """A contact came online or went offline, or is typing or recording in a chat."""

    chat: str
    sender: str
    state: Literal["available", "unavailable", "typing", "recording", "paused"]
    timestamp: datetime
    last_seen: datetime | None = None


@dataclass(frozen=True)
class CallReceived:
    """Someone is calling the account."""

    call_id: str
    caller: str
    timestamp: datetime
    video: bool = False
    is_group: bool = False
    caller_phone: str | None = None


DriverEvent = (
    QrChanged
    | PairingCodeIssued
    | Connected
    | Disconnected
    | LoggedOut
    | Failed
    | MessageReceived
    | ReceiptReceived
    | ReactionReceived
    | MessageRevoked
    | GroupParticipantsChanged
    | GroupUpdated
    | PresenceChanged
    | CallReceived
)


class DriverListener(Protocol):
    """Receives a driver's events; called on the worker's event loop."""

    async def on_driver_event(self, event: DriverEvent) -> None: ...


@dataclass(frozen=True)
class SendResult:
    """The result WhatsApp returns for a send."""

    wa_message_id: str
    timestamp: datetime


@dataclass(frozen=True)
class MediaBytes:
    """Media to send, already fetched or read from the object store by the worker."""

    data: bytes
    mimetype: str
    filename: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class LinkPreview:
    """A preview of the first URL of a text, fetched by the worker."""

    url: str
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a driver needs to send one message.

    ``media`` is set for :class:`MediaContent` and ``preview`` for a text that
    asked for one and whose page could be read.
    """

    message_id: str
    to: str
    content: MessageContent
    media: MediaBytes | None = None
    preview: LinkPreview | None = None


@dataclass(frozen=True)
class Contact:
    """A contact in the account's address book or seen in chats."""

    jid: str
    phone: str | None = None
    name: str | None = None
    push_name: str | None = None
    business_name: str | None = None


@dataclass(frozen=True)
class PhoneCheck:
    """Whether a phone number is on WhatsApp, and its JID when it is."""

    phone: str
    on_whatsapp: bool
    jid: str | None = None


@dataclass(frozen=True)
class GroupParticipant:
    """A member of a group; ``admin`` is None, ``admin`` or ``superadmin``."""

    jid: str
    admin: Literal["admin", "superadmin"] | None = None
    phone: str | None = None


@dataclass(frozen=True)
class GroupInfo:
    """A group the account is in."""

    id: str
    subject: str
    description: str | None
    owner: str | None
    created_at: datetime | None
    announce: bool
    locked: bool
    participants: list[GroupParticipant]


ParticipantAction = Literal["add", "remove", "promote", "demote"]


@dataclass(frozen=True)
class ParticipantResult:
    """The outcome for one participant of a participants change."""

    jid: str
    ok: bool
    error: str | None = None


PresenceState = Literal["typing", "recording", "paused", "available", "unavailable"]


@dataclass
class SendError(Exception):
    """A send failed; ``permanent`` failures are not retried."""

    reason: str
    permanent: bool = field(default=False)

    def __str__(self) -> str:
        return self.reason


class NotConnectedError(SendError):
    """The session is not connected, so nothing could be sent."""


@dataclass
class DriverRequestError(Exception):
    """A live request (contacts, groups, read, presence, download) failed.

    ``code`` is one of the envelope's codes (``GROUP_NOT_FOUND``,
    ``CONTACT_NOT_FOUND``, ``VALIDATION_ERROR``, ``SESSION_NOT_CONNECTED``,
    ``NOT_FOUND``...) and ``status`` its HTTP status, so the api can answer
    with them as they are.
    """

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class SessionDriver(ABC):
    """One session's connection to a network."""

    @abstractmethod
    async def connect(self, pairing_phone: str | None) -> None:
        """Start connecting; the outcome arrives as events (QR, connected, failed)."""

    @abstractmethod
    async def disconnect(self) -> None:
        """Close the connection and keep the link, so reconnecting needs no QR."""

    @abstractmethod
    async def logout(self) -> None:
        """Unlink the device from the phone and drop its auth data."""

    @abstractmethod
    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message of any content type.

        Raises:
            NotConnectedError: when the session is offline.
            SendError: when the network refused (``permanent``) or failed.
        """

    async def send_text(
        self, message_id: str, to: str, content: TextContent
    ) -> SendResult:
        """Send a text message; a shorthand of :meth:`send`."""
        return await self.send(OutgoingMessage(message_id, to, content))

    # Live requests. Each raises DriverRequestError when the network refuses,
    # and DriverRequestError(409, "SESSION_NOT_CONNECTED") when offline.

    @abstractmethod
    async def mark_read(
        self, chat: str, sender: str | None, wa_message_ids: list[str]
    ) -> None:
        """Send read receipts for received messages of ``chat``."""

    @abstractmethod
    async def send_presence(self, chat: str, state: PresenceState) -> None:
        """Show typing, recording or paused in ``chat``, or go (un)available."""

    @abstractmethod
    async def list_contacts(self) -> list[Contact]:
        """Return the account's contacts."""

    @abstractmethod
    async def get_contact(self, jid: str) -> Contact | None:
        """Return one contact, or None when the account does not know it."""

    @abstractmethod
    async def check_phones(self, phones: list[str]) -> list[PhoneCheck]:
        """Tell for each phone number (digits only) whether it is on WhatsApp."""

    @abstractmethod
    async def profile_picture_url(self, jid: str) -> str | None:
        """Return the URL of a user's or group's profile picture, or None."""

    @abstractmethod
    async def list_groups(self) -> list[GroupInfo]:
        """Return the groups the account is in."""

    @abstractmethod
    async def get_group(self, group: str) -> GroupInfo:
        """Return a group; DriverRequestError(404, "GROUP_NOT_FOUND") if unknown."""

    @abstractmethod
    async def create_group(self, subject: str, participants: list[str]) -> GroupInfo:
        """Create a group with the account as its owner."""

    @abstractmethod
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

    @abstractmethod
    async def update_participants(
        self, group: str, action: ParticipantAction, participants: list[str]
    ) -> list[ParticipantResult]:
        """Add, remove, promote or demote; one result per participant, in order."""

    @abstractmethod
    async def invite_link(self, group: str, reset: bool = False) -> str:
        """Return the group's invite link; ``reset`` revokes the old one first."""

    @abstractmethod
    async def download_media(self, download: dict[str, Any]) -> bytes:
        """Download received media described by :attr:`ReceivedMedia.download`."""

"""Live requests the api sends to the worker that owns a session.

Subject ``wagate.rpc.<shard>.<session>.<operation>`` (see
:func:`wagate_common.broker.subjects.rpc`); the body is the operation's
request model below and the response a :class:`~wagate_common.schemas.replies.Reply`
whose ``data`` holds the operation's result model. A worker subscribes to the
subjects of the shards it owns; a session it does not run answers
``409 SESSION_NOT_CONNECTED``, and no answer at all becomes ``504
WORKER_TIMEOUT`` in the api.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from wagate_common.schemas.base import WireModel


class RpcOperation(StrEnum):
    """Every live operation; the value is the last part of the subject."""

    CONTACTS_LIST = "contacts.list"
    CONTACTS_GET = "contacts.get"
    CONTACTS_CHECK = "contacts.check"
    GROUPS_LIST = "groups.list"
    GROUPS_GET = "groups.get"
    GROUPS_CREATE = "groups.create"
    GROUPS_UPDATE = "groups.update"
    GROUPS_PARTICIPANTS = "groups.participants"
    GROUPS_INVITE = "groups.invite"
    CHAT_READ = "chat.read"
    CHAT_PRESENCE = "chat.presence"
    MEDIA_DOWNLOAD = "media.download"


# Requests. JIDs in requests are already normalized by the api.


class EmptyRequest(WireModel):
    """A request without arguments (contacts.list, groups.list)."""


class ContactRequest(WireModel):
    """contacts.get"""

    jid: str


class CheckPhonesRequest(WireModel):
    """contacts.check: phone numbers as digits only."""

    phones: list[str]


class GroupRequest(WireModel):
    """groups.get"""

    group: str


class CreateGroupRequest(WireModel):
    """groups.create"""

    subject: str
    participants: list[str]


class UpdateGroupRequest(WireModel):
    """groups.update: only the fields that are set change."""

    group: str
    subject: str | None = None
    description: str | None = None
    announce: bool | None = None
    locked: bool | None = None


class ParticipantsRequest(WireModel):
    """groups.participants: only the entries the api could normalize."""

    group: str
    action: Literal["add", "remove", "promote", "demote"]
    participants: list[str]


class InviteRequest(WireModel):
    """groups.invite: ``reset`` revokes the current link and returns a new one."""

    group: str
    reset: bool = False


class ReadRequest(WireModel):
    """chat.read: WhatsApp ids of received messages of one chat."""

    chat: str
    wa_message_ids: list[str]
    sender: str | None = None


class PresenceRequest(WireModel):
    """chat.presence"""

    chat: str
    state: Literal["typing", "recording", "paused", "available", "unavailable"]


class DownloadRequest(WireModel):
    """media.download: a received message's WhatsApp id."""

    wa_message_id: str


# Results, in ``Reply.data``.


class ContactData(WireModel):
    """A contact."""

    jid: str
    phone: str | None = None
    name: str | None = None
    push_name: str | None = None
    business_name: str | None = None


class ContactDetailData(ContactData):
    """One contact looked up live."""

    # The generated alias would be "onWhatsapp"; the API spells it "onWhatsApp".
    on_whatsapp: bool = Field(alias="onWhatsApp")
    profile_picture_url: str | None = None


class ContactsData(WireModel):
    """contacts.list"""

    contacts: list[ContactData]


class PhoneCheckData(WireModel):
    """One row of contacts.check."""

    phone: str
    # The generated alias would be "onWhatsapp"; the API spells it "onWhatsApp".
    on_whatsapp: bool = Field(alias="onWhatsApp")
    jid: str | None = None


class PhoneChecksData(WireModel):
    """contacts.check"""

    results: list[PhoneCheckData]


class ParticipantData(WireModel):
    """A group member."""

    jid: str
    admin: Literal["admin", "superadmin"] | None = None
    phone: str | None = None


class GroupData(WireModel):
    """A group."""

    id: str
    subject: str
    description: str | None = None
    owner: str | None = None
    created_at: datetime | None = None
    announce: bool = False
    locked: bool = False
    participants: list[ParticipantData] = Field(default_factory=list)


class GroupsData(WireModel):
    """groups.list"""

    groups: list[GroupData]


class ParticipantResultData(WireModel):
    """The worker's outcome for one participant."""

    jid: str
    ok: bool
    error: str | None = None


class ParticipantResultsData(WireModel):
    """groups.participants, in the order of the request."""

    results: list[ParticipantResultData]


class InviteData(WireModel):
    """groups.invite"""

    link: str


class DownloadData(WireModel):
    """media.download: the bytes were put in the ``media`` object store."""

    object_name: str
    mimetype: str
    size: int
    filename: str | None = None

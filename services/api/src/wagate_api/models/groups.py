"""Request and response bodies of the groups routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, model_validator

from wagate_api.models.request import RequestModel
from wagate_common.schemas.base import WireModel

MAX_SUBJECT_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2048
# NOTE: our own bound per request, chosen to keep one worker call well within
# its timeout. WhatsApp's group size limit is larger.
MAX_PARTICIPANTS = 256

ParticipantAction = Literal["add", "remove", "promote", "demote"]


def _strip_subject(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


Subject = Annotated[
    str,
    Field(min_length=1, max_length=MAX_SUBJECT_LENGTH),
    AfterValidator(_strip_subject),
]


class GroupCreate(RequestModel):
    """Body of ``POST /v1/groups/:sessionId``."""

    subject: Subject
    participants: list[str] = Field(min_length=1, max_length=MAX_PARTICIPANTS)


class GroupUpdate(RequestModel):
    """Body of ``PATCH /v1/groups/:sessionId/:groupId``: absent or null fields stay."""

    subject: Subject | None = None
    description: str | None = Field(
        default=None,
        max_length=MAX_DESCRIPTION_LENGTH,
        description="An empty string removes the description.",
    )
    announce: StrictBool | None = Field(
        default=None, description="Whether only admins may send messages."
    )
    locked: StrictBool | None = Field(
        default=None, description="Whether only admins may change the group's settings."
    )

    @model_validator(mode="after")
    def _require_a_change(self) -> GroupUpdate:
        values = (self.subject, self.description, self.announce, self.locked)
        if all(value is None for value in values):
            raise ValueError(
                "set at least one of subject, description, announce and locked"
            )
        return self


class ParticipantsChange(RequestModel):
    """Body of ``POST /v1/groups/:sessionId/:groupId/participants``."""

    action: ParticipantAction
    participants: list[str] = Field(min_length=1, max_length=MAX_PARTICIPANTS)


class ParticipantPublic(WireModel):
    """A group member; ``phone`` is known even when ``jid`` is a hidden ``@lid``."""

    jid: str
    admin: Literal["admin", "superadmin"] | None
    phone: str | None


class GroupPublic(WireModel):
    """A group the session's account is in."""

    id: str
    subject: str
    description: str | None
    owner: str | None
    created_at: datetime | None
    announce: bool
    locked: bool
    participants: list[ParticipantPublic]


class ParticipantResultPublic(WireModel):
    """The outcome for one entry of a participants change, as the caller wrote it.

    ``jid`` is null when the entry is not a phone number or user JID, and
    ``error`` gives the reason whenever ``ok`` is false.
    """

    input: str
    jid: str | None
    ok: bool
    error: str | None = None


class InvitePublic(WireModel):
    """A group's invite link."""

    link: str

"""Request and response bodies of the contacts routes."""

from __future__ import annotations

from pydantic import Field

from wagate_api.models.request import RequestModel
from wagate_common.schemas.base import WireModel

MAX_CHECK_PHONES = 100


class ContactPublic(WireModel):
    """A contact of the session's account: its address book entry or a chat seen."""

    jid: str
    phone: str | None
    name: str | None
    push_name: str | None
    business_name: str | None


class ContactDetailPublic(ContactPublic):
    """One contact looked up live, with its WhatsApp status and picture."""

    # The generated alias would be "onWhatsapp"; the API spells it "onWhatsApp".
    on_whatsapp: bool = Field(alias="onWhatsApp")
    profile_picture_url: str | None


class PhoneCheckCreate(RequestModel):
    """Body of ``POST /v1/contacts/:sessionId/check``."""

    phones: list[str] = Field(min_length=1, max_length=MAX_CHECK_PHONES)


class PhoneCheckPublic(WireModel):
    """The result for one phone number, which is echoed as the caller wrote it.

    ``error`` is set, and ``onWhatsApp`` false, when the number is malformed
    and was not checked.
    """

    phone: str
    on_whatsapp: bool = Field(alias="onWhatsApp")
    jid: str | None
    error: str | None = None

"""Contact routes: the account's contacts, one contact, and WhatsApp number checks.

Every route is a live request to the worker that owns the session.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.contacts import (
    ContactDetailPublic,
    ContactPublic,
    PhoneCheckCreate,
    PhoneCheckPublic,
)
from wagate_api.models.envelope import Envelope, ListEnvelope, PageInfo
from wagate_api.routes.common import Cursor, Limit, load_session
from wagate_api.routes.entries import (
    Entry,
    distinct_values,
    normalize_entries,
    path_user_jid,
    phone_digits,
    require_one_valid,
)
from wagate_api.routes.live import LIVE_RESPONSES, page_after, require_connected
from wagate_api.routing import CheckedRoute
from wagate_common.schemas.rpc import (
    CheckPhonesRequest,
    ContactData,
    ContactDetailData,
    ContactRequest,
    ContactsData,
    EmptyRequest,
    PhoneCheckData,
    PhoneChecksData,
    RpcOperation,
)

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/contacts", tags=["contacts"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("contacts"))]

NOT_CHECKED = "the worker returned no result for this number"


@router.get(
    "/{session_id}", response_model=ListEnvelope[ContactPublic], responses=LIVE_RESPONSES
)
async def list_contacts(
    session_id: str,
    context: Context,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListEnvelope[ContactPublic]:
    """List the account's contacts, ordered by JID; the cursor is the last JID."""
    session = await load_session(context, caller, session_id)
    require_connected(session)

    result = await context.workers.request(
        session_id, RpcOperation.CONTACTS_LIST, EmptyRequest(), ContactsData
    )
    page, next_cursor = page_after(
        result.contacts, lambda contact: contact.jid, cursor, limit
    )
    return ListEnvelope(
        data=[_contact_public(contact) for contact in page],
        page=PageInfo(next=next_cursor, limit=limit),
    )


@router.post(
    "/{session_id}/check",
    response_model=Envelope[list[PhoneCheckPublic]],
    responses=LIVE_RESPONSES,
)
async def check_phones(
    session_id: str, body: PhoneCheckCreate, context: Context, caller: Caller
) -> Envelope[list[PhoneCheckPublic]]:
    """Check which phone numbers are on WhatsApp: one row per number, in order.

    A malformed number gets a row with ``error`` and is not sent to the
    worker. The request fails with 400 only when no number is valid. A number
    written twice is checked once, and both rows show the result.
    """
    session = await load_session(context, caller, session_id)
    entries = normalize_entries(body.phones, phone_digits)
    require_one_valid("phones", entries)
    require_connected(session)

    phones = distinct_values(entries)
    result = await context.workers.request(
        session_id,
        RpcOperation.CONTACTS_CHECK,
        CheckPhonesRequest(phones=phones),
        PhoneChecksData,
    )
    checks = _checks_by_phone(phones, result.results)
    logger.info(
        "phone numbers checked",
        extra={"session_id": session_id, "count": len(phones)},
    )
    return Envelope(data=[_check_row(entry, checks) for entry in entries])


@router.get(
    "/{session_id}/{jid}",
    response_model=Envelope[ContactDetailPublic],
    responses={
        404: {"description": "`CONTACT_NOT_FOUND` or `SESSION_NOT_FOUND`."},
        **LIVE_RESPONSES,
    },
)
async def get_contact(
    session_id: str, jid: str, context: Context, caller: Caller
) -> Envelope[ContactDetailPublic]:
    """Look up one contact by phone number or user JID.

    A phone number on WhatsApp is found even when the account has never
    talked to it.
    """
    session = await load_session(context, caller, session_id)
    contact_jid = path_user_jid(jid)
    require_connected(session)

    result = await context.workers.request(
        session_id,
        RpcOperation.CONTACTS_GET,
        ContactRequest(jid=contact_jid),
        ContactDetailData,
    )
    return Envelope(
        data=ContactDetailPublic(
            **_contact_public(result).model_dump(),
            on_whatsapp=result.on_whatsapp,
            profile_picture_url=result.profile_picture_url,
        )
    )


def _contact_public(contact: ContactData) -> ContactPublic:
    return ContactPublic(
        jid=contact.jid,
        phone=contact.phone,
        name=contact.name,
        push_name=contact.push_name,
        business_name=contact.business_name,
    )


def _checks_by_phone(
    phones: list[str], results: list[PhoneCheckData]
) -> dict[str, PhoneCheckData]:
    """Match the worker's rows to the phones sent, by digits, else by position.

    The worker returns one row per phone in request order. Matching by the
    digits first keeps the rows right even if a worker reorders them.
    """
    by_phone = {result.phone: result for result in results}
    if len(results) == len(phones):
        for phone, result in zip(phones, results, strict=True):
            by_phone.setdefault(phone, result)
    return by_phone


def _check_row(entry: Entry, checks: dict[str, PhoneCheckData]) -> PhoneCheckPublic:
    if entry.value is None:
        return PhoneCheckPublic(
            phone=entry.input, on_whatsapp=False, jid=None, error=entry.error
        )
    check = checks.get(entry.value)
    if check is None:
        return PhoneCheckPublic(
            phone=entry.input, on_whatsapp=False, jid=None, error=NOT_CHECKED
        )
    return PhoneCheckPublic(
        phone=entry.input, on_whatsapp=check.on_whatsapp, jid=check.jid
    )

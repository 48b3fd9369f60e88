"""Group routes: list, read, create and change groups, participants and invite links.

Every route is a live request to the worker that owns the session. A
``groupId`` in the path is the group's JID, with or without ``@g.us``.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Envelope, ListEnvelope, PageInfo
from wagate_api.models.groups import (
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    InvitePublic,
    ParticipantPublic,
    ParticipantResultPublic,
    ParticipantsChange,
)
from wagate_api.routes.common import Cursor, Limit, load_session
from wagate_api.routes.entries import (
    Entry,
    distinct_values,
    group_jid,
    normalize_entries,
    reject_invalid,
    require_one_valid,
    user_jid,
)
from wagate_api.routes.live import LIVE_RESPONSES, page_after, require_connected
from wagate_api.routing import CheckedRoute
from wagate_common.schemas.rpc import (
    CreateGroupRequest,
    EmptyRequest,
    GroupData,
    GroupRequest,
    GroupsData,
    InviteData,
    InviteRequest,
    ParticipantResultData,
    ParticipantResultsData,
    ParticipantsRequest,
    RpcOperation,
    UpdateGroupRequest,
)

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/groups", tags=["groups"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("groups"))]

GROUP_RESPONSES: dict[int | str, dict[str, str]] = {
    400: {"description": "`VALIDATION_ERROR`: `groupId` is not a group id."},
    404: {"description": "`GROUP_NOT_FOUND` or `SESSION_NOT_FOUND`."},
    **LIVE_RESPONSES,
}
NO_RESULT = "the worker returned no result for this participant"


@router.get(
    "/{session_id}", response_model=ListEnvelope[GroupPublic], responses=LIVE_RESPONSES
)
async def list_groups(
    session_id: str,
    context: Context,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListEnvelope[GroupPublic]:
    """List the groups the account is in, ordered by id; the cursor is the last id."""
    session = await load_session(context, caller, session_id)
    require_connected(session)

    result = await context.workers.request(
        session_id, RpcOperation.GROUPS_LIST, EmptyRequest(), GroupsData
    )
    page, next_cursor = page_after(result.groups, lambda group: group.id, cursor, limit)
    return ListEnvelope(
        data=[to_public(group) for group in page],
        page=PageInfo(next=next_cursor, limit=limit),
    )


@router.post(
    "/{session_id}",
    status_code=201,
    response_model=Envelope[GroupPublic],
    responses=LIVE_RESPONSES,
)
async def create_group(
    session_id: str, body: GroupCreate, context: Context, caller: Caller
) -> Envelope[GroupPublic]:
    """Create a group owned by the account.

    Every participant must be a phone number or user JID (else 400 naming
    each bad one); duplicates are sent once.
    """
    session = await load_session(context, caller, session_id)
    entries = normalize_entries(body.participants, user_jid)
    reject_invalid(
        "participants",
        entries,
        "some participants are neither phone numbers nor user JIDs; "
        "fix the entries listed in details.fields",
    )
    require_connected(session)

    group = await context.workers.request(
        session_id,
        RpcOperation.GROUPS_CREATE,
        CreateGroupRequest(subject=body.subject, participants=distinct_values(entries)),
        GroupData,
    )
    logger.info(
        "group created",
        extra={
            "session_id": session_id,
            "group": group.id,
            "participants": len(group.participants),
        },
    )
    return Envelope(data=to_public(group))


@router.get(
    "/{session_id}/{group_id}",
    response_model=Envelope[GroupPublic],
    responses=GROUP_RESPONSES,
)
async def get_group(
    session_id: str, group_id: str, context: Context, caller: Caller
) -> Envelope[GroupPublic]:
    """Read a group with its participants and their admin roles."""
    session = await load_session(context, caller, session_id)
    group = group_jid(group_id)
    require_connected(session)

    result = await context.workers.request(
        session_id, RpcOperation.GROUPS_GET, GroupRequest(group=group), GroupData
    )
    return Envelope(data=to_public(result))


@router.patch(
    "/{session_id}/{group_id}",
    response_model=Envelope[GroupPublic],
    responses=GROUP_RESPONSES,
)
async def update_group(
    session_id: str, group_id: str, body: GroupUpdate, context: Context, caller: Caller
) -> Envelope[GroupPublic]:
    """Change the subject, description, announce or locked setting of a group.

    WhatsApp takes one call per setting. When one fails, the settings changed
    before it stay changed and the response is the worker's error.
    """
    session = await load_session(context, caller, session_id)
    group = group_jid(group_id)
    require_connected(session)

    result = await context.workers.request(
        session_id,
        RpcOperation.GROUPS_UPDATE,
        UpdateGroupRequest(
            group=group,
            subject=body.subject,
            description=body.description,
            announce=body.announce,
            locked=body.locked,
        ),
        GroupData,
    )
    logger.info(
        "group updated",
        extra={
            "session_id": session_id,
            "group": group,
            "fields": sorted(body.model_dump(exclude_none=True)),
        },
    )
    return Envelope(data=to_public(result))


@router.post(
    "/{session_id}/{group_id}/participants",
    response_model=Envelope[list[ParticipantResultPublic]],
    responses=GROUP_RESPONSES,
)
async def change_participants(
    session_id: str,
    group_id: str,
    body: ParticipantsChange,
    context: Context,
    caller: Caller,
) -> Envelope[list[ParticipantResultPublic]]:
    """Add, remove, promote or demote participants: one row per entry, in order.

    An entry that is neither a phone number nor a user JID fails in its own
    row and is not sent. The request fails with 400 only when no entry is
    valid. Entries naming the same JID are sent once, and all their rows
    show its outcome.
    """
    session = await load_session(context, caller, session_id)
    group = group_jid(group_id)
    entries = normalize_entries(body.participants, user_jid)
    require_one_valid("participants", entries)
    require_connected(session)

    participants = distinct_values(entries)
    result = await context.workers.request(
        session_id,
        RpcOperation.GROUPS_PARTICIPANTS,
        ParticipantsRequest(group=group, action=body.action, participants=participants),
        ParticipantResultsData,
    )
    outcomes = _outcomes_by_jid(participants, result.results)
    rows = [_participant_row(entry, outcomes) for entry in entries]
    logger.info(
        "group participants changed",
        extra={
            "session_id": session_id,
            "group": group,
            "action": body.action,
            "ok": sum(row.ok for row in rows),
            "failed": sum(not row.ok for row in rows),
        },
    )
    return Envelope(data=rows)


@router.get(
    "/{session_id}/{group_id}/invite",
    response_model=Envelope[InvitePublic],
    responses=GROUP_RESPONSES,
)
async def get_invite_link(
    session_id: str, group_id: str, context: Context, caller: Caller
) -> Envelope[InvitePublic]:
    """Return the group's invite link, which only a group admin may read."""
    return await _invite_link(context, caller, session_id, group_id, reset=False)


@router.delete(
    "/{session_id}/{group_id}/invite",
    response_model=Envelope[InvitePublic],
    responses=GROUP_RESPONSES,
)
async def revoke_invite_link(
    session_id: str, group_id: str, context: Context, caller: Caller
) -> Envelope[InvitePublic]:
    """Revoke the group's invite link and return the new one that replaces it."""
    return await _invite_link(context, caller, session_id, group_id, reset=True)


def to_public(group: GroupData) -> GroupPublic:
    """Render a group from the worker's result."""
    return GroupPublic(
        id=group.id,
        subject=group.subject,
        description=group.description,
        owner=group.owner,
        created_at=group.created_at,
        announce=group.announce,
        locked=group.locked,
        participants=[
            ParticipantPublic(jid=member.jid, admin=member.admin, phone=member.phone)
            for member in group.participants
        ],
    )


async def _invite_link(
    context: ApiContext, caller: Principal, session_id: str, group_id: str, reset: bool
) -> Envelope[InvitePublic]:
    session = await load_session(context, caller, session_id)
    group = group_jid(group_id)
    require_connected(session)

    result = await context.workers.request(
        session_id,
        RpcOperation.GROUPS_INVITE,
        InviteRequest(group=group, reset=reset),
        InviteData,
    )
    if reset:
        logger.info(
            "group invite link revoked", extra={"session_id": session_id, "group": group}
        )
    return Envelope(data=InvitePublic(link=result.link))


def _outcomes_by_jid(
    participants: list[str], results: list[ParticipantResultData]
) -> dict[str, ParticipantResultData]:
    """Match the worker's rows to the JIDs sent, by JID, else by position.

    The worker returns one row per JID in request order, naming the JID it
    was sent. Matching by JID first keeps the rows right if a worker reorders
    them, and position covers a worker that names a person by another JID.
    """
    by_jid = {result.jid: result for result in results}
    if len(results) == len(participants):
        for jid, result in zip(participants, results, strict=True):
            by_jid.setdefault(jid, result)
    return by_jid


def _participant_row(
    entry: Entry, outcomes: dict[str, ParticipantResultData]
) -> ParticipantResultPublic:
    if entry.value is None:
        return ParticipantResultPublic(
            input=entry.input, jid=None, ok=False, error=entry.error
        )
    outcome = outcomes.get(entry.value)
    if outcome is None:
        return ParticipantResultPublic(
            input=entry.input, jid=entry.value, ok=False, error=NO_RESULT
        )
    return ParticipantResultPublic(
        input=entry.input,
        jid=entry.value,
        ok=outcome.ok,
        error=None if outcome.ok else outcome.error or "failed without a reason",
    )

"""What each live operation asks of a session's driver, and its result model."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from wagate_common.jid import InvalidJidError, parse_jid
from wagate_common.schemas.base import WireModel
from wagate_common.schemas.rpc import (
    CheckPhonesRequest,
    ContactData,
    ContactDetailData,
    ContactRequest,
    ContactsData,
    CreateGroupRequest,
    DownloadData,
    DownloadRequest,
    EmptyRequest,
    GroupData,
    GroupRequest,
    GroupsData,
    InviteData,
    InviteRequest,
    ParticipantResultData,
    ParticipantResultsData,
    ParticipantsRequest,
    PhoneCheckData,
    PhoneChecksData,
    PresenceRequest,
    ReadRequest,
    RpcOperation,
    UpdateGroupRequest,
)
from wagate_common.storage.received import ReceivedRepository
from wagate_worker.drivers.base import DriverRequestError, GroupInfo, SessionDriver
from wagate_worker.media.objects import MediaObjects, received_object_name

logger = logging.getLogger(__name__)

UNKNOWN_MIMETYPE = "application/octet-stream"

RequestT = TypeVar("RequestT", bound=WireModel)


class InvalidRequestError(ValueError):
    """A request body did not validate against its operation's request model."""


@dataclass(frozen=True)
class Operation(Generic[RequestT]):
    """An operation's request model and handler.

    The handler takes the session id, its driver and the parsed request, and
    returns the result model, or None for operations without a result.
    """

    request: type[RequestT]
    handler: Callable[[str, SessionDriver, RequestT], Awaitable[WireModel | None]]


class LiveOperations:
    """Runs one live operation against a session's driver.

    Request bodies that do not validate raise :class:`InvalidRequestError`,
    and refusals :class:`DriverRequestError` with the envelope's status and
    code.
    """

    def __init__(self, received: ReceivedRepository, objects: MediaObjects) -> None:
        self._received = received
        self._objects = objects
        self._operations: dict[RpcOperation, Operation[Any]] = {
            RpcOperation.CONTACTS_LIST: Operation(EmptyRequest, self._contacts_list),
            RpcOperation.CONTACTS_GET: Operation(ContactRequest, self._contacts_get),
            RpcOperation.CONTACTS_CHECK: Operation(
                CheckPhonesRequest, self._contacts_check
            ),
            RpcOperation.GROUPS_LIST: Operation(EmptyRequest, self._groups_list),
            RpcOperation.GROUPS_GET: Operation(GroupRequest, self._groups_get),
            RpcOperation.GROUPS_CREATE: Operation(
                CreateGroupRequest, self._groups_create
            ),
            RpcOperation.GROUPS_UPDATE: Operation(
                UpdateGroupRequest, self._groups_update
            ),
            RpcOperation.GROUPS_PARTICIPANTS: Operation(
                ParticipantsRequest, self._groups_participants
            ),
            RpcOperation.GROUPS_INVITE: Operation(InviteRequest, self._groups_invite),
            RpcOperation.CHAT_READ: Operation(ReadRequest, self._chat_read),
            RpcOperation.CHAT_PRESENCE: Operation(PresenceRequest, self._chat_presence),
            RpcOperation.MEDIA_DOWNLOAD: Operation(DownloadRequest, self._media_download),
        }

    async def run(
        self,
        operation: RpcOperation,
        session_id: str,
        driver: SessionDriver,
        body: bytes,
    ) -> dict[str, Any]:
        """Run ``operation`` and return its result as the reply's ``data``."""
        spec = self._operations[operation]
        try:
            request = spec.request.model_validate_json(body or b"{}")
        except ValidationError as error:
            raise InvalidRequestError(validation_message(error)) from error
        result = await spec.handler(session_id, driver, request)
        if result is None:
            return {}
        return result.model_dump(by_alias=True, mode="json")

    # Contacts.

    async def _contacts_list(
        self, session_id: str, driver: SessionDriver, request: EmptyRequest
    ) -> ContactsData:
        contacts = await driver.list_contacts()
        return ContactsData(
            contacts=[ContactData.model_validate(asdict(c)) for c in contacts]
        )

    async def _contacts_get(
        self, session_id: str, driver: SessionDriver, request: ContactRequest
    ) -> ContactDetailData:
        """Combine the address book entry, the WhatsApp check and the picture.

        A phone-number JID is checked on WhatsApp, so an unknown number that is
        on WhatsApp is found too. Any other JID is only known from the address
        book.
        """
        contact = await driver.get_contact(request.jid)
        phone = _phone_of(request.jid)
        on_whatsapp = contact is not None
        if phone is not None:
            checks = await driver.check_phones([phone])
            on_whatsapp = any(check.on_whatsapp for check in checks)
        if contact is None and not on_whatsapp:
            raise DriverRequestError(
                404, "CONTACT_NOT_FOUND", f"contact '{request.jid}' was not found"
            )
        picture = await driver.profile_picture_url(request.jid)
        fields: dict[str, Any] = (
            asdict(contact) if contact is not None else {"jid": request.jid}
        )
        if fields.get("phone") is None:
            fields["phone"] = phone
        return ContactDetailData.model_validate(
            {**fields, "on_whatsapp": on_whatsapp, "profile_picture_url": picture}
        )

    async def _contacts_check(
        self, session_id: str, driver: SessionDriver, request: CheckPhonesRequest
    ) -> PhoneChecksData:
        checks = await driver.check_phones(request.phones)
        return PhoneChecksData(
            results=[PhoneCheckData.model_validate(asdict(c)) for c in checks]
        )

    # Groups.

    async def _groups_list(
        self, session_id: str, driver: SessionDriver, request: EmptyRequest
    ) -> GroupsData:
        groups = await driver.list_groups()
        return GroupsData(groups=[_group_data(group) for group in groups])

    async def _groups_get(
        self, session_id: str, driver: SessionDriver, request: GroupRequest
    ) -> GroupData:
        return _group_data(await driver.get_group(request.group))

    async def _groups_create(
        self, session_id: str, driver: SessionDriver, request: CreateGroupRequest
    ) -> GroupData:
        group = await driver.create_group(request.subject, request.participants)
        return _group_data(group)

    async def _groups_update(
        self, session_id: str, driver: SessionDriver, request: UpdateGroupRequest
    ) -> GroupData:
        group = await driver.update_group(
            request.group,
            subject=request.subject,
            description=request.description,
            announce=request.announce,
            locked=request.locked,
        )
        return _group_data(group)

    async def _groups_participants(
        self, session_id: str, driver: SessionDriver, request: ParticipantsRequest
    ) -> ParticipantResultsData:
        results = await driver.update_participants(
            request.group, request.action, request.participants
        )
        return ParticipantResultsData(
            results=[ParticipantResultData.model_validate(asdict(r)) for r in results]
        )

    async def _groups_invite(
        self, session_id: str, driver: SessionDriver, request: InviteRequest
    ) -> InviteData:
        link = await driver.invite_link(request.group, reset=request.reset)
        return InviteData(link=link)

    # Chats.

    async def _chat_read(
        self, session_id: str, driver: SessionDriver, request: ReadRequest
    ) -> None:
        await driver.mark_read(request.chat, request.sender, request.wa_message_ids)

    async def _chat_presence(
        self, session_id: str, driver: SessionDriver, request: PresenceRequest
    ) -> None:
        await driver.send_presence(request.chat, request.state)

    # Media.

    async def _media_download(
        self, session_id: str, driver: SessionDriver, request: DownloadRequest
    ) -> DownloadData:
        """Download a received message's media into the ``media`` object store."""
        wa_message_id = request.wa_message_id
        record = await self._received.get(session_id, wa_message_id)
        if record is None:
            raise DriverRequestError(
                404,
                "NOT_FOUND",
                f"no received message '{wa_message_id}' in session '{session_id}'",
            )
        download = record.get("download")
        if not download:
            raise DriverRequestError(
                404, "NOT_FOUND", f"received message '{wa_message_id}' has no media"
            )

        data = await driver.download_media(download)
        name = received_object_name(session_id, wa_message_id)
        await self._objects.put(name, data)
        media = (record.get("data") or {}).get("media") or {}
        logger.info(
            "received media downloaded",
            extra={
                "session_id": session_id,
                "wa_message_id": wa_message_id,
                "bytes": len(data),
            },
        )
        return DownloadData(
            object_name=name,
            mimetype=media.get("mimetype") or UNKNOWN_MIMETYPE,
            size=len(data),
            filename=media.get("filename"),
        )


def validation_message(error: ValidationError) -> str:
    """Summarize a request body's validation errors in one line."""
    problems = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"]) or "body"
        problems.append(f"{location}: {detail['msg']}")
    return "invalid request: " + ", ".join(problems)


def _group_data(group: GroupInfo) -> GroupData:
    return GroupData.model_validate(asdict(group))


def _phone_of(jid: str) -> str | None:
    try:
        return parse_jid(jid).phone
    except InvalidJidError:
        return None

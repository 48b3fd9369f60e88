"""Sends and live requests through one connected neonize client.

Every neonize call here goes through the async client, which runs the Go
function in a thread of the loop's default executor (``asyncio.to_thread``),
so none of them blocks the event loop. The driver creates a
:class:`ClientCalls` only while its client is connected, because some Go
functions crash the process on a stopped client.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from neonize.aioze.client import NewAClient
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e
from neonize.utils.enum import (
    ChatPresence,
    ChatPresenceMedia,
    ParticipantChange,
    Presence,
    ReceiptType,
    VoteType,
)

from wagate_common.jid import GROUP_SERVER, InvalidJidError, parse_jid
from wagate_common.schemas.commands import (
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
    PollContent,
    ReactionContent,
    RevokeContent,
    TextContent,
)
from wagate_worker.drivers.base import (
    Contact,
    DriverRequestError,
    GroupInfo,
    OutgoingMessage,
    ParticipantAction,
    ParticipantResult,
    PhoneCheck,
    PresenceState,
    SendError,
    SendResult,
)
from wagate_worker.drivers.whatsapp import content, outgoing, results, translate
from wagate_worker.drivers.whatsapp.errors import (
    error_text,
    request_error_from,
    send_error_from,
)
from wagate_worker.drivers.whatsapp.quotes import Quoted, RecentMessages

logger = logging.getLogger(__name__)

_CHAT_PRESENCES = {
    "typing": (
        ChatPresence.CHAT_PRESENCE_COMPOSING,
        ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT,
    ),
    "recording": (
        ChatPresence.CHAT_PRESENCE_COMPOSING,
        ChatPresenceMedia.CHAT_PRESENCE_MEDIA_AUDIO,
    ),
    "paused": (
        ChatPresence.CHAT_PRESENCE_PAUSED,
        ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT,
    ),
}
# Sent messages that a later reply may quote.
_QUOTABLE = (TextContent, MediaContent, LocationContent, ContactsContent, PollContent)
_PARTICIPANT_CHANGES = {
    "add": ParticipantChange.ADD,
    "remove": ParticipantChange.REMOVE,
    "promote": ParticipantChange.PROMOTE,
    "demote": ParticipantChange.DEMOTE,
}


class ClientCalls:
    """The sends and live requests of one connected neonize client."""

    def __init__(
        self,
        client: NewAClient,
        session_id: str,
        recent: RecentMessages,
        own_jid: str | None,
    ) -> None:
        self._client = client
        self._recent = recent
        self._own_jid = own_jid
        self._log_extra = {"session_id": session_id}

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Build and send one message; return WhatsApp's id and time.

        Reactions, edits and revokes go to the chat of their target.

        Raises:
            SendError: permanent for an invalid recipient or missing media,
                else as :func:`send_error_from` maps neonize's error.
        """
        destination = message.to
        if isinstance(message.content, ReactionContent | EditContent | RevokeContent):
            destination = message.content.target.chat
        try:
            recipient = outgoing.to_neonize_jid(destination)
            built = await self._build(message)
        except InvalidJidError as error:
            raise SendError(str(error), permanent=True) from error
        except SendError:
            raise
        except Exception as error:
            raise send_error_from(error) from error
        try:
            response = await self._client.send_message(recipient, built)
        except Exception as error:
            raise send_error_from(error) from error
        if self._own_jid is not None and isinstance(message.content, _QUOTABLE):
            self._recent.remember(response.ID, self._own_jid, built)
        return SendResult(
            wa_message_id=response.ID,
            timestamp=translate.timestamp_from(response.Timestamp),
        )

    async def _build(self, message: OutgoingMessage) -> wa_e2e.Message:
        match message.content:
            case TextContent() as text:
                quoted = self._quoted(text.reply_to)
                return outgoing.text_message(text, message.preview, quoted)
            case MediaContent() as media:
                return await self._media_message(media, message)
            case LocationContent() as location:
                quoted = self._quoted(location.reply_to)
                return outgoing.location_message(location, quoted)
            case ContactsContent() as contacts:
                quoted = self._quoted(contacts.reply_to)
                return outgoing.contacts_message(contacts, quoted)
            case PollContent() as poll:
                vote = VoteType.MULTIPLE if poll.multiple_answers else VoteType.SINGLE
                return await self._client.build_poll_vote_creation(
                    poll.question, list(poll.options), vote
                )
            case ReactionContent() as reaction:
                return outgoing.reaction_message(reaction, int(time.time() * 1000))
            case EditContent() as edit:
                return outgoing.edit_message(edit)
            case RevokeContent() as revoke:
                return outgoing.revoke_message(revoke)
        raise SendError(f"unsupported content {message.content!r}", permanent=True)

    async def _media_message(
        self, media_content: MediaContent, message: OutgoingMessage
    ) -> wa_e2e.Message:
        media = message.media
        if media is None:
            raise SendError(
                f"message {message.message_id} has no media bytes to send", permanent=True
            )
        upload_type = outgoing.UPLOAD_TYPES[media_content.media_type]
        upload = await self._client.upload(media.data, upload_type)
        quoted = self._quoted(media_content.reply_to)
        return outgoing.media_message(media_content, media, upload, quoted)

    def _quoted(self, reply_to: str | None) -> Quoted | None:
        return self._recent.get(reply_to) if reply_to is not None else None

    async def mark_read(
        self, chat: str, sender: str | None, wa_message_ids: list[str]
    ) -> None:
        """Send read receipts; a group's messages also need their sender."""
        chat_jid = _jid(chat, "chat")
        if chat_jid.Server == GROUP_SERVER and sender is None:
            raise DriverRequestError(
                400,
                "VALIDATION_ERROR",
                "sender is required to mark messages of a group as read",
            )
        sender_jid = (
            _jid(sender, "sender") if sender is not None else outgoing.empty_jid()
        )
        try:
            await self._client.mark_read(
                *wa_message_ids,
                chat=chat_jid,
                sender=sender_jid,
                receipt=ReceiptType.READ,
            )
        except Exception as error:
            raise request_error_from(error, "marking messages as read") from error

    async def send_presence(self, chat: str, state: PresenceState) -> None:
        """Show typing, recording or paused in ``chat``, or go (un)available."""
        try:
            if state == "available":
                await self._client.send_presence(Presence.AVAILABLE)
            elif state == "unavailable":
                await self._client.send_presence(Presence.UNAVAILABLE)
            else:
                chat_state, media = _CHAT_PRESENCES[state]
                await self._client.send_chat_presence(
                    _jid(chat, "chat"), chat_state, media
                )
        except DriverRequestError:
            raise
        except Exception as error:
            raise request_error_from(error, "sending presence") from error

    async def list_contacts(self) -> list[Contact]:
        """Return the contacts of the device's contact store."""
        try:
            stored = await self._client.contact.get_all_contacts()
        except Exception as error:
            raise request_error_from(error, "listing contacts") from error
        return [contact for contact in map(results.contact_from, stored) if contact]

    async def get_contact(self, jid: str) -> Contact | None:
        """Return a contact of the store, or None when the store does not know it."""
        target = _jid(jid, "jid")
        try:
            info = await self._client.contact.get_contact(target)
        except Exception as error:
            raise request_error_from(error, "getting the contact") from error
        if not info.Found:
            return None
        return results.contact_of(translate.jid_string(target) or jid, info)

    async def check_phones(self, phones: list[str]) -> list[PhoneCheck]:
        """Ask WhatsApp which phone numbers (digits only) have an account."""
        if not phones:
            return []
        try:
            responses = await self._client.is_on_whatsapp(*(f"+{p}" for p in phones))
        except Exception as error:
            raise request_error_from(error, "checking phone numbers") from error
        return results.phone_checks(phones, responses)

    async def profile_picture_url(self, jid: str) -> str | None:
        """Return the picture's URL; None when there is none or it is hidden."""
        target = _jid(jid, "jid")
        try:
            picture = await self._client.get_profile_picture(
                target, neonize.GetProfilePictureParams()
            )
        except Exception as error:
            # whatsmeow reports a missing or hidden picture as 404 and 401, or
            # with texts of its own about the profile picture.
            failure = request_error_from(error, "getting the profile picture")
            if failure.status in (403, 404) or "profile picture" in error_text(error):
                return None
            raise failure from error
        return picture.URL or None

    async def list_groups(self) -> list[GroupInfo]:
        """Return the groups the account is in."""
        try:
            groups = await self._client.get_joined_groups()
        except Exception as error:
            raise request_error_from(error, "listing groups") from error
        return [results.group_from(group) for group in groups]

    async def get_group(self, group: str) -> GroupInfo:
        """Return one group; 404 GROUP_NOT_FOUND when the account cannot see it."""
        target = _group_jid(group)
        try:
            info = await self._client.get_group_info(target)
        except Exception as error:
            raise request_error_from(error, "getting the group", group=group) from error
        return results.group_from(info)

    async def create_group(self, subject: str, participants: list[str]) -> GroupInfo:
        """Create a group with the account as owner."""
        members = [_jid(jid, "participants") for jid in participants]
        try:
            info = await self._client.create_group(subject, members)
        except Exception as error:
            raise request_error_from(error, "creating the group") from error
        return results.group_from(info)

    async def update_group(
        self,
        group: str,
        *,
        subject: str | None,
        description: str | None,
        announce: bool | None,
        locked: bool | None,
    ) -> GroupInfo:
        """Change the given settings one at a time, then read the group back.

        WhatsApp has one call per setting, so a failure can leave the
        settings before it changed.
        """
        target = _group_jid(group)
        try:
            if subject is not None:
                await self._client.set_group_name(target, subject)
            if description is not None:
                # Empty ids make whatsmeow look up the current topic id itself
                # and generate the new one; an empty topic removes it.
                await self._client.set_group_topic(target, "", "", description)
            if announce is not None:
                await self._client.set_group_announce(target, announce)
            if locked is not None:
                await self._client.set_group_locked(target, locked)
        except Exception as error:
            raise request_error_from(error, "updating the group", group=group) from error
        return await self.get_group(group)

    async def update_participants(
        self, group: str, action: ParticipantAction, participants: list[str]
    ) -> list[ParticipantResult]:
        """Add, remove, promote or demote; one result per participant, in order."""
        target = _group_jid(group)
        members = [_jid(jid, "participants") for jid in participants]
        try:
            rows = await self._client.update_group_participants(
                target, members, _PARTICIPANT_CHANGES[action]
            )
        except Exception as error:
            raise request_error_from(
                error, "changing the participants", group=group
            ) from error
        requested = [translate.jid_string(jid) or "" for jid in members]
        return results.participant_results(requested, rows)

    async def invite_link(self, group: str, reset: bool) -> str:
        """Return the group's invite link; ``reset`` revokes the current one first."""
        target = _group_jid(group)
        try:
            return await self._client.get_group_invite_link(target, reset)
        except Exception as error:
            raise request_error_from(
                error, "getting the invite link", group=group
            ) from error

    async def download_media(self, download: dict[str, Any]) -> bytes:
        """Download and decrypt the media a received message described."""
        try:
            message = content.media_message_of(download)
        except content.InvalidDownloadError as error:
            raise DriverRequestError(
                404, "NOT_FOUND", f"no downloadable media: {error}"
            ) from error
        try:
            data = await self._client.download_any(message)
        except Exception as error:
            raise request_error_from(error, "downloading the media") from error
        if data is None:
            raise DriverRequestError(502, "WHATSAPP_ERROR", "WhatsApp returned no media")
        logger.info(
            "whatsapp media downloaded", extra={**self._log_extra, "bytes": len(data)}
        )
        return data


def _jid(value: str, field: str) -> neonize.JID:
    try:
        return outgoing.to_neonize_jid(value)
    except InvalidJidError as error:
        raise DriverRequestError(400, "VALIDATION_ERROR", f"{field}: {error}") from error


def _group_jid(group: str) -> neonize.JID:
    try:
        parsed = parse_jid(group)
    except InvalidJidError:
        parsed = None
    if parsed is None or parsed.server != GROUP_SERVER:
        raise DriverRequestError(
            404, "GROUP_NOT_FOUND", f"'{group}' is not a group JID (…@g.us)"
        )
    return outgoing.to_neonize_jid(group)

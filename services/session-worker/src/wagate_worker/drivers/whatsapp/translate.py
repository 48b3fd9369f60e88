"""neonize event objects turned into driver events.

Every function here is pure: it reads protobuf objects that neonize built from
whatsmeow's events and returns a driver event, or None for what the gateway
does not report (yet). Nothing here calls into neonize's Go library.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_common.jid import LID_SERVER, USER_SERVER
from wagate_common.schemas.sessions import Account
from wagate_worker.drivers.base import (
    Disconnected,
    Failed,
    LoggedOut,
    MessageReceived,
    MessageRevoked,
    ReactionReceived,
    ReceiptReceived,
)
from wagate_worker.drivers.whatsapp import content

# whatsmeow shows the first QR code for 60 s and each later one for 20 s.
FIRST_QR_SECONDS = 60
NEXT_QR_SECONDS = 20
# Below this a timestamp is in seconds; above it in milliseconds. 10**11 s is
# the year 5138, and 10**11 ms is March 1973, so neither unit can be mistaken.
_MILLISECONDS_FROM = 10**11

_Reason = neonize.ConnectFailureReason
_LOGOUT_REASONS = {
    _Reason.LOGGED_OUT: "the phone unlinked this device",
    _Reason.MAIN_DEVICE_GONE: "the phone's WhatsApp account is gone",
    _Reason.UNKNOWN_LOGOUT: "WhatsApp logged this device out without a reason, "
    "which often means the account was banned",
}
_FAILURE_REASONS = {
    _Reason.GENERIC: "WhatsApp refused the connection",
    _Reason.TEMP_BANNED: "the account is temporarily banned",
    _Reason.CLIENT_OUTDATED: "WhatsApp rejected this client version as outdated",
    _Reason.BAD_USER_AGENT: "WhatsApp rejected the client's user agent",
    _Reason.EXPERIMENTAL: "WhatsApp refused the connection (experimental)",
}
# Failures on WhatsApp's side: reconnecting later may succeed.
_RETRYABLE_FAILURES = {
    _Reason.INTERNAL_SERVER_ERROR: "WhatsApp had an internal server error",
    _Reason.SERVICE_UNAVAILABLE: "the WhatsApp service is unavailable",
}
_BAN_REASONS = {
    neonize.TemporaryBan.SEND_TO_TOO_MANY_PEOPLE: "sent to too many people",
    neonize.TemporaryBan.BLOCKED_BY_USERS: "blocked by too many users",
    neonize.TemporaryBan.CREATED_TOO_MANY_GROUPS: "created too many groups",
    neonize.TemporaryBan.SENT_TOO_MANY_SAME_MESSAGE: "sent the same message too often",
    neonize.TemporaryBan.BROADCAST_LIST: "broadcast list use",
}
_RECEIPT_STATUSES = {
    neonize.Receipt.DELIVERED: "delivered",
    neonize.Receipt.READ: "read",
    neonize.Receipt.PLAYED: "played",
}

STREAM_REPLACED_REASON = (
    "another client connected with this session's credentials, so WhatsApp closed "
    "this connection; connect again only once the other client is stopped"
)
CLIENT_OUTDATED_REASON = (
    "WhatsApp rejected this client version as outdated; update neonize"
)
CONNECTION_LOST_REASON = "the connection to WhatsApp was lost"
STATUS_BROADCAST = "status@broadcast"


def jid_string(jid: neonize.JID) -> str | None:
    """Return ``user@server`` without the device, or None for an empty JID.

    neonize sends an absent JID as an empty message, not as a missing field.
    """
    if jid.IsEmpty or not jid.Server:
        return None
    if not jid.User:
        return jid.Server
    return f"{jid.User}@{jid.Server}"


def timestamp_from(value: int) -> datetime:
    """Return the UTC time of a Unix timestamp in seconds or milliseconds.

    whatsmeow's encoder in neonize 0.5.2 sends message times in milliseconds and
    receipt and send times in seconds. The size of the value decides the unit.
    """
    if value >= _MILLISECONDS_FROM:
        return datetime.fromtimestamp(value / 1000, UTC)
    return datetime.fromtimestamp(value, UTC)


def qr_expiry(now: datetime, qr_index: int) -> datetime:
    """Return when the ``qr_index``-th QR code of a pairing (from 0) expires."""
    seconds = FIRST_QR_SECONDS if qr_index == 0 else NEXT_QR_SECONDS
    return now + timedelta(seconds=seconds)


def account_from(device: neonize.Device | None, paired: neonize.JID | None) -> Account:
    """Return the account a session is linked to.

    ``device`` is what neonize reports once the client runs. ``paired`` is the
    JID of a pairing that just succeeded, used when ``device`` has no JID yet.
    """
    jid = device.JID if device is not None else None
    if (jid is None or jid_string(jid) is None) and paired is not None:
        jid = paired
    text = jid_string(jid) if jid is not None else None
    if jid is None or text is None:
        raise ValueError("neonize reported no JID for the connected device")
    phone = jid.User if jid.Server == USER_SERVER else None
    push_name = device.PushName if device is not None and device.PushName else None
    return Account(jid=text, phone=phone, push_name=push_name)


def logged_out_event(event: neonize.LoggedOut) -> LoggedOut:
    """Translate ``LoggedOut``: whatsmeow has already deleted the device."""
    reason = _LOGOUT_REASONS.get(event.Reason, "WhatsApp logged this device out")
    if event.OnConnect:
        reason += " (reported while connecting)"
    return LoggedOut(reason=reason)


def temporary_ban_event(event: neonize.TemporaryBan, now: datetime) -> Failed:
    """Translate ``TemporaryBan`` into a failure with its reason and end time."""
    cause = _BAN_REASONS.get(event.Code, "reason not given")
    until = (now + timedelta(seconds=event.Expire)).replace(microsecond=0)
    return Failed(
        reason=f"the account is temporarily banned by WhatsApp ({cause}) "
        f"until {until.isoformat().replace('+00:00', 'Z')}; connect again after that"
    )


def connect_failure_event(event: neonize.ConnectFailure) -> Failed | Disconnected:
    """Translate ``ConnectFailure``: WhatsApp-side errors are retried, others fail."""
    detail = f": {event.Message}" if event.Message else ""
    retryable = _RETRYABLE_FAILURES.get(event.Reason)
    if retryable is not None:
        return Disconnected(reason=retryable + detail, expected=False)
    reason = _FAILURE_REASONS.get(event.Reason)
    if reason is None:
        reason = f"WhatsApp refused the connection (reason {event.Reason})"
    return Failed(reason=reason + detail)


def message_event(
    event: neonize.Message,
) -> MessageReceived | ReactionReceived | MessageRevoked | None:
    """Translate an incoming message, reaction, deletion or edit.

    Messages the account sent from its phone are reported with ``from_me``.
    Status updates of contacts (chat ``status@broadcast``) are not messages
    to the account and return None. An edit becomes a
    :class:`MessageReceived` with ``edited`` set, the id of the message it
    changes and its new content. Protocol traffic and kinds the gateway does
    not report (poll votes, pins) return None.
    """
    source = event.Info.MessageSource
    chat = jid_string(source.Chat)
    sender = jid_string(source.Sender)
    if chat is None or sender is None or chat == STATUS_BROADCAST:
        return None
    body = content.unwrap(event.Message)
    timestamp = timestamp_from(event.Info.Timestamp)

    if body.HasField("reactionMessage"):
        reaction = body.reactionMessage
        return ReactionReceived(
            wa_message_id=event.Info.ID,
            target_wa_message_id=reaction.key.ID,
            chat=chat,
            sender=sender,
            emoji=reaction.text,
            timestamp=timestamp,
            sender_phone=_sender_phone(source),
            from_me=source.IsFromMe,
        )
    edited_id: str | None = None
    if body.HasField("protocolMessage"):
        protocol = body.protocolMessage
        if protocol.type == wa_e2e.ProtocolMessage.REVOKE and protocol.key.ID:
            return MessageRevoked(
                wa_message_id=protocol.key.ID,
                chat=chat,
                sender=sender,
                timestamp=timestamp,
                sender_phone=_sender_phone(source),
                from_me=source.IsFromMe,
            )
        if protocol.type != wa_e2e.ProtocolMessage.MESSAGE_EDIT or not protocol.key.ID:
            return None
        edited_id = protocol.key.ID
        body = protocol.editedMessage
        if protocol.timestampMS:
            timestamp = timestamp_from(protocol.timestampMS)

    read = content.content_of(body)
    if read is None:
        return None
    context = read.context
    return MessageReceived(
        wa_message_id=edited_id or event.Info.ID,
        chat=chat,
        sender=sender,
        timestamp=timestamp,
        content=read.content,
        push_name=event.Info.Pushname or None,
        sender_phone=_sender_phone(source),
        chat_phone=_chat_phone(source),
        reply_to=(context.stanzaID or None) if context is not None else None,
        is_group=source.IsGroup,
        from_me=source.IsFromMe,
        forwarded=bool(context is not None and context.isForwarded),
        mentions=list(context.mentionedJID) if context is not None else [],
        edited=edited_id is not None,
    )


def receipt_event(event: neonize.Receipt) -> ReceiptReceived | None:
    """Translate a delivered, read or played receipt; None for other receipt types.

    neonize 0.5.2 reports whatsmeow's "played by self" receipts as
    SERVER_ERROR, which is not among the translated types either.
    """
    status = _RECEIPT_STATUSES.get(event.Type)
    chat = jid_string(event.MessageSource.Chat)
    sender = jid_string(event.MessageSource.Sender)
    if status is None or chat is None or sender is None or not event.MessageIDs:
        return None
    return ReceiptReceived(
        wa_message_ids=list(event.MessageIDs),
        status=status,
        chat=chat,
        sender=sender,
        timestamp=timestamp_from(event.Timestamp),
    )


def _sender_phone(source: neonize.MessageSource) -> str | None:
    return phone_beside(source.Sender, source.SenderAlt)


def _chat_phone(source: neonize.MessageSource) -> str | None:
    """Return the phone-number JID of a one-to-one ``@lid`` chat, when whatsmeow gave it.

    The chat of a received message is its sender, whose alternate JID is
    ``SenderAlt``. For a message the account sent, it is the recipient, whose
    alternate is ``RecipientAlt``.
    """
    if source.IsGroup:
        return None
    alternate = source.RecipientAlt if source.IsFromMe else source.SenderAlt
    return phone_beside(source.Chat, alternate)


def phone_beside(jid: neonize.JID, alternate: neonize.JID) -> str | None:
    """Return ``alternate`` when ``jid`` is an ``@lid`` and ``alternate`` a phone JID."""
    if jid.Server != LID_SERVER or alternate.Server != USER_SERVER:
        return None
    return jid_string(alternate)

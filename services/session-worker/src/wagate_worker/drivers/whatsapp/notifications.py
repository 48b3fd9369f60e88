"""Group changes, presence and calls from neonize events, as driver events.

Pure functions like those of :mod:`translate`: they read neonize's protobuf
events and call nothing in its Go library.
"""

from __future__ import annotations

from datetime import datetime

from neonize.proto import Neonize_pb2 as neonize

from wagate_worker.drivers.base import (
    CallReceived,
    DriverEvent,
    GroupParticipantsChanged,
    GroupUpdated,
    PresenceChanged,
)
from wagate_worker.drivers.whatsapp.translate import (
    jid_string,
    phone_beside,
    timestamp_from,
)

_ChatState = neonize.ChatPresence


def group_info_events(event: neonize.GroupInfoEvent) -> list[DriverEvent]:
    """Translate a group change into participant changes and a settings update.

    One whatsmeow ``GroupInfo`` event can carry joins, departures,
    promotions, demotions and new settings at once. Each list of people
    becomes its own :class:`GroupParticipantsChanged`, and the subject,
    description, announce and locked changes one :class:`GroupUpdated`.
    Changes the gateway does not report (disappearing timer, invite link,
    community links) yield nothing.
    """
    group = jid_string(event.JID)
    if group is None:
        return []
    timestamp = timestamp_from(event.Timestamp)
    by = jid_string(event.Sender)
    events: list[DriverEvent] = []
    changes = (
        ("add", event.Join),
        ("remove", event.Leave),
        ("promote", event.Promote),
        ("demote", event.Demote),
    )
    for action, jids in changes:
        participants = [text for text in map(jid_string, jids) if text is not None]
        if participants:
            events.append(
                GroupParticipantsChanged(
                    group=group,
                    action=action,  # type: ignore[arg-type]
                    participants=participants,
                    timestamp=timestamp,
                    by=by,
                )
            )

    update = GroupUpdated(
        group=group,
        timestamp=timestamp,
        by=by,
        subject=event.Name.Name if event.HasField("Name") else None,
        description=_description(event),
        announce=event.Announce.IsAnnounce if event.HasField("Announce") else None,
        locked=event.Locked.isLocked if event.HasField("Locked") else None,
    )
    changed = (update.subject, update.description, update.announce, update.locked)
    if any(value is not None for value in changed):
        events.append(update)
    return events


def joined_group_event(
    event: neonize.JoinedGroup, account_jid: str | None, now: datetime
) -> GroupParticipantsChanged | None:
    """Translate the account being added to a group as an ``add`` of the account.

    whatsmeow reports a group the session created itself the same way, with
    the creation key set: that one is not reported, since the request that
    created the group already returned it.
    """
    group = jid_string(event.GroupInfo.JID)
    if group is None or account_jid is None or event.CreateKey:
        return None
    by = jid_string(event.SenderPN) or jid_string(event.Sender)
    return GroupParticipantsChanged(
        group=group,
        action="add",
        participants=[account_jid],
        timestamp=now,
        by=by,
    )


def presence_event(event: neonize.Presence, now: datetime) -> PresenceChanged | None:
    """Translate a contact going online or offline; ``last_seen`` only when shared.

    whatsmeow sends presence only for contacts the session subscribed to.
    """
    sender = jid_string(event.From)
    if sender is None:
        return None
    return PresenceChanged(
        chat=sender,
        sender=sender,
        state="unavailable" if event.Unavailable else "available",
        timestamp=now,
        last_seen=timestamp_from(event.LastSeen) if event.LastSeen > 0 else None,
    )


def chat_presence_event(
    event: neonize.ChatPresence, now: datetime
) -> PresenceChanged | None:
    """Translate typing (text), recording (audio) or paused in a chat."""
    source = event.MessageSource
    chat = jid_string(source.Chat)
    sender = jid_string(source.Sender)
    if chat is None or sender is None:
        return None
    if event.State == _ChatState.PAUSED:
        state = "paused"
    elif event.State != _ChatState.COMPOSING:
        return None
    elif event.Media == _ChatState.AUDIO:
        state = "recording"
    else:
        state = "typing"
    return PresenceChanged(
        chat=chat,
        sender=sender,
        state=state,  # type: ignore[arg-type]
        timestamp=now,
    )


def call_offer_event(event: neonize.CallOffer) -> CallReceived | None:
    """Translate an incoming one-to-one call; ``video`` when the offer has video.

    whatsmeow leaves the offer's details in its raw XML node: a ``video``
    child marks a video call, and a ``group-jid`` attribute or ``type="group"``
    a group call.
    """
    # NOTE: the node layout is read from whatsmeow's and other clients'
    # sources, not from captured traffic.
    node = event.data
    video = any(child.Tag == "video" for child in node.Nodes)
    attributes = {attribute.name: attribute for attribute in node.Attrs}
    group_type = attributes.get("type")
    is_group = "group-jid" in attributes or (
        group_type is not None and group_type.text == "group"
    )
    return _call(event.basicCallMeta, video=video, is_group=is_group)


def call_offer_notice_event(event: neonize.CallOfferNotice) -> CallReceived | None:
    """Translate the notice whatsmeow emits for group calls."""
    return _call(
        event.basicCallMeta, video=event.media == "video", is_group=event.type == "group"
    )


def _call(
    meta: neonize.BasicCallMeta, *, video: bool, is_group: bool
) -> CallReceived | None:
    caller = jid_string(meta.callCreator) or jid_string(getattr(meta, "from"))
    if caller is None or not meta.callID:
        return None
    return CallReceived(
        call_id=meta.callID,
        caller=caller,
        timestamp=timestamp_from(meta.timestamp),
        video=video,
        is_group=is_group,
        caller_phone=phone_beside(meta.callCreator, meta.callCreatorAlt),
    )


def _description(event: neonize.GroupInfoEvent) -> str | None:
    if not event.HasField("Topic"):
        return None
    topic = event.Topic
    return "" if topic.TopicDeleted else topic.Topic

"""Recent messages of a session, kept so that replies can quote them.

WhatsApp apps draw a quote from the quoted message's content and author,
which a reply carries in its context info. The id alone shows no quote. The
driver remembers the last messages it received and sent, in memory, and a
reply to one of them carries its content. Replies to older messages, or to
messages from before the worker started, carry the id only.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_worker.drivers.whatsapp import content

# Messages remembered per session. With the size limit below, a full cache
# takes at most 16 MiB (256 x 64 KiB), and far less when most are texts.
RECENT_MESSAGES = 256
# A quoted message over this size (a large thumbnail) is kept without its
# thumbnail, and dropped if it is still larger.
MAX_QUOTED_BYTES = 64 * 1024


@dataclass(frozen=True)
class Quoted:
    """A message a reply can quote, and its author's JID without device."""

    participant: str
    message: wa_e2e.Message


class RecentMessages:
    """The last :data:`RECENT_MESSAGES` messages of a session, by WhatsApp id."""

    def __init__(self, size: int = RECENT_MESSAGES) -> None:
        self._size = size
        self._messages: OrderedDict[str, Quoted] = OrderedDict()

    def remember(
        self, wa_message_id: str, participant: str, message: wa_e2e.Message
    ) -> None:
        """Keep ``message`` as it would appear in a quote; forget the oldest one."""
        quotable = quotable_copy(message)
        if quotable is None or not wa_message_id:
            return
        self._messages[wa_message_id] = Quoted(participant, quotable)
        self._messages.move_to_end(wa_message_id)
        while len(self._messages) > self._size:
            self._messages.popitem(last=False)

    def get(self, wa_message_id: str) -> Quoted | None:
        """Return a remembered message, or None."""
        return self._messages.get(wa_message_id)


def quotable_copy(message: wa_e2e.Message) -> wa_e2e.Message | None:
    """Return ``message`` without wrappers and context info, or None when too large.

    Quotes do not nest, so the copy drops the quoted message's own context
    info (its quote, mentions and forward marks).
    """
    copy = wa_e2e.Message()
    copy.CopyFrom(content.unwrap(message))
    copy.ClearField("messageContextInfo")
    for descriptor, value in copy.ListFields():
        if descriptor.message_type is not None and "contextInfo" in (
            descriptor.message_type.fields_by_name
        ):
            value.ClearField("contextInfo")
    if copy.ByteSize() > MAX_QUOTED_BYTES:
        for descriptor, value in copy.ListFields():
            if descriptor.message_type is not None and "JPEGThumbnail" in (
                descriptor.message_type.fields_by_name
            ):
                value.ClearField("JPEGThumbnail")
    if copy.ByteSize() > MAX_QUOTED_BYTES:
        return None
    return copy

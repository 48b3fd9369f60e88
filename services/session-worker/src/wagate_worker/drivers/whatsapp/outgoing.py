"""Outgoing messages and recipients built as neonize protobuf objects."""

from __future__ import annotations

from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_common.jid import normalize_jid, parse_jid
from wagate_common.schemas.commands import TextContent


def to_neonize_jid(value: str) -> neonize.JID:
    """Return the JID of a recipient given as a JID or a phone number.

    Raises:
        InvalidJidError: when ``value`` is neither.
    """
    jid = parse_jid(value)
    return neonize.JID(
        User=jid.user,
        Server=jid.server,
        Device=jid.device,
        RawAgent=0,
        Integrator=0,
        IsEmpty=False,
    )


def text_message(content: TextContent) -> wa_e2e.Message:
    """Build a text message: a plain conversation, or an extended text for replies.

    Mentions become the message's mentioned JIDs. A reply carries only the
    quoted message's id.
    """
    # NOTE: WhatsApp apps render a quote from the quoted message's content and
    # sender, which the worker does not keep yet. With only the id, an app may
    # show the reply without its quote.
    if content.reply_to is None and not content.mentions:
        return wa_e2e.Message(conversation=content.text)
    context = wa_e2e.ContextInfo(
        mentionedJID=[normalize_jid(mention) for mention in content.mentions]
    )
    if content.reply_to is not None:
        context.stanzaID = content.reply_to
    extended = wa_e2e.ExtendedTextMessage(text=content.text, contextInfo=context)
    return wa_e2e.Message(extendedTextMessage=extended)

"""Recent messages kept for quoting replies."""

from __future__ import annotations

from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_worker.drivers.whatsapp.quotes import (
    MAX_QUOTED_BYTES,
    RecentMessages,
    quotable_copy,
)


def test_oldest_message_forgotten() -> None:
    recent = RecentMessages(size=2)

    for number in range(3):
        recent.remember(f"ID{number}", "15550100002@s.whatsapp.net", text(str(number)))

    assert recent.get("ID0") is None
    assert recent.get("ID1") is not None
    assert recent.get("ID2") is not None


def test_remembered_again_is_newest() -> None:
    recent = RecentMessages(size=2)
    recent.remember("ID0", "a@s.whatsapp.net", text("0"))
    recent.remember("ID1", "a@s.whatsapp.net", text("1"))

    recent.remember("ID0", "a@s.whatsapp.net", text("0 again"))
    recent.remember("ID2", "a@s.whatsapp.net", text("2"))

    quoted = recent.get("ID0")
    assert quoted is not None
    assert quoted.message == text("0 again")
    assert recent.get("ID1") is None


def test_quote_drops_context_and_wrappers() -> None:
    image = wa_e2e.ImageMessage(
        caption="photo", contextInfo=wa_e2e.ContextInfo(stanzaID="3EB0NESTED")
    )
    wrapped = wa_e2e.Message(
        ephemeralMessage=wa_e2e.FutureProofMessage(
            message=wa_e2e.Message(
                imageMessage=image,
                messageContextInfo=wa_e2e.MessageContextInfo(messageSecret=b"s" * 32),
            )
        )
    )

    copy = quotable_copy(wrapped)

    assert copy == wa_e2e.Message(imageMessage=wa_e2e.ImageMessage(caption="photo"))


def test_large_thumbnail_dropped_from_quote() -> None:
    image = wa_e2e.ImageMessage(caption="photo", JPEGThumbnail=b"x" * MAX_QUOTED_BYTES)

    copy = quotable_copy(wa_e2e.Message(imageMessage=image))

    assert copy == wa_e2e.Message(imageMessage=wa_e2e.ImageMessage(caption="photo"))


def test_oversized_message_not_remembered() -> None:
    recent = RecentMessages()

    recent.remember("ID0", "a@s.whatsapp.net", text("x" * (MAX_QUOTED_BYTES + 1)))

    assert recent.get("ID0") is None


def text(body: str) -> wa_e2e.Message:
    return wa_e2e.Message(conversation=body)

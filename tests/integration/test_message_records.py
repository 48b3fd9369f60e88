"""Receipt timestamps of message records, on a real SecantusDB."""

from __future__ import annotations

from datetime import UTC, datetime

from wagate_common.infrastructure import Infrastructure
from wagate_common.storage.messages import MessageRepository, MessageStatus

PEER = "15550100002@s.whatsapp.net"


async def repository_with_sent(
    infra: Infrastructure, message_id: str
) -> MessageRepository:
    messages = MessageRepository(infra.db, 30)
    await messages.create(message_id, "s1", PEER, "text")
    await messages.mark_sent(message_id, f"WA-{message_id}", datetime.now(UTC))
    return messages


async def test_read_receipt_sets_delivered_at(infra: Infrastructure) -> None:
    messages = await repository_with_sent(infra, "msg_r")

    record = await messages.mark_status("s1", "WA-msg_r", MessageStatus.READ)

    assert record is not None
    assert record["status"] == "read"
    assert record["readAt"] is not None
    assert record["deliveredAt"] == record["readAt"]


async def test_read_after_delivered_keeps_delivered_at(infra: Infrastructure) -> None:
    messages = await repository_with_sent(infra, "msg_d")
    delivered = await messages.mark_status("s1", "WA-msg_d", MessageStatus.DELIVERED)

    record = await messages.mark_status("s1", "WA-msg_d", MessageStatus.READ)

    assert delivered is not None
    assert record is not None
    assert record["deliveredAt"] == delivered["deliveredAt"]
    assert record["readAt"] >= record["deliveredAt"]


async def test_played_receipt_sets_earlier_stamps(infra: Infrastructure) -> None:
    messages = await repository_with_sent(infra, "msg_p")

    record = await messages.mark_status("s1", "WA-msg_p", MessageStatus.PLAYED)

    assert record is not None
    assert record["status"] == "played"
    assert record["playedAt"] is not None
    assert record["deliveredAt"] == record["playedAt"]
    assert record["readAt"] == record["playedAt"]


async def test_delivered_receipt_sets_no_read_at(infra: Infrastructure) -> None:
    messages = await repository_with_sent(infra, "msg_o")

    record = await messages.mark_status("s1", "WA-msg_o", MessageStatus.DELIVERED)

    assert record is not None
    assert record["deliveredAt"] is not None
    assert "readAt" not in record


async def test_sent_keeps_dollar_values_literal(infra: Infrastructure) -> None:
    messages = MessageRepository(infra.db, 30)
    await messages.create("msg_l", "s1", PEER, "text")

    record = await messages.mark_sent("msg_l", "$status", datetime.now(UTC))

    assert record is not None
    assert record["waMessageId"] == "$status"


async def test_first_revoke_stays_recorded(infra: Infrastructure) -> None:
    messages = await repository_with_sent(infra, "msg_v")
    first_at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

    first = await messages.mark_revoked("s1", "WA-msg_v", first_at, "msg_r1")
    second = await messages.mark_revoked("s1", "WA-msg_v", datetime.now(UTC), None)
    unknown = await messages.mark_revoked("s1", "WA-none", datetime.now(UTC), None)

    assert first is not None
    assert first["revokedBy"] == "msg_r1"
    assert second is not None
    assert second["revokedBy"] == "msg_r1"
    assert second["revokedAt"].replace(tzinfo=UTC) == first_at
    assert unknown is None

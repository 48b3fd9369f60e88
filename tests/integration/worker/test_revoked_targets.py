"""Revoked messages: the worker marks their records and fails later actions on them."""

from __future__ import annotations

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    RECIPIENT,
    message_record,
    queue_message,
    queue_text,
    wait_for_events,
    wait_for_message_status,
)
from tests.integration.worker.test_sends import connected_session
from wagate_common.ids import utc_now
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import (
    EditContent,
    MessageTarget,
    ReactionContent,
    RevokeContent,
)
from wagate_common.schemas.events import EventType
from wagate_worker.drivers.base import MessageRevoked


async def sent_text(infra: Infrastructure, text: str) -> tuple[str, MessageTarget]:
    """Send a text through the worker; return our id and its target for actions."""
    command = await queue_text(infra, "s1", text)
    record = await wait_for_message_status(infra, command.message_id, "sent")
    target = MessageTarget(
        wa_message_id=record["waMessageId"], chat=RECIPIENT, from_me=True
    )
    return command.message_id, target


async def test_sent_revoke_marks_target(
    infra: Infrastructure, start_worker: WorkerFactory
) -> None:
    await connected_session(infra, start_worker)
    message_id, target = await sent_text(infra, "oops")

    revoke = await queue_message(infra, "s1", RevokeContent(target=target))
    await wait_for_message_status(infra, revoke.message_id, "sent")
    record = await message_record(infra, message_id)

    assert record["revokedAt"] is not None
    assert record["revokedBy"] == revoke.message_id
    assert (await message_record(infra, revoke.message_id))["revokedAt"] is None


async def test_actions_queued_behind_revoke_fail(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    _, target = await sent_text(infra, "oops")

    # Queued before the revoke is sent, as when the api accepted them in the
    # moment between queueing the revoke and the worker sending it.
    revoke = await queue_message(infra, "s1", RevokeContent(target=target))
    edit = await queue_message(infra, "s1", EditContent(target=target, text="new"))
    reaction = await queue_message(infra, "s1", ReactionContent(target=target, emoji="x"))
    again = await queue_message(infra, "s1", RevokeContent(target=target))
    await wait_for_message_status(infra, revoke.message_id, "sent")
    failed = [
        await wait_for_message_status(infra, command.message_id, "failed")
        for command in (edit, reaction, again)
    ]

    for record, kind in zip(failed, ("edit", "reaction", "revoke"), strict=True):
        assert f"by revoke '{revoke.message_id}'" in record["error"]
        assert record["error"].endswith(f"before this {kind} was sent")
    assert network.sent_ids("s1")[-1] == revoke.message_id


async def test_revoke_from_phone_marks_record(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_session(infra, start_worker)
    message_id, target = await sent_text(infra, "oops")

    await network.drivers["s1"].emit(
        MessageRevoked(
            wa_message_id=target.wa_message_id,
            chat=RECIPIENT,
            sender="15550100001@s.whatsapp.net",
            timestamp=utc_now(),
            from_me=True,
        )
    )
    # The record is marked before the event is published.
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_REVOKED)
    record = await message_record(infra, message_id)

    assert event.data["messageId"] == message_id
    assert record["revokedAt"] is not None
    assert record["revokedBy"] is None

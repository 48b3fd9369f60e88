"""The outbox: sends go out in order, and the first one blocks the rest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from wagate_common.schemas.commands import SendCommand, TextContent
from wagate_worker.commands.delivery import CommandDelivery
from wagate_worker.sessions.outbox import AttemptOutcome, Outbox, PendingSend


def pending(message_id: str, held_since: float = 0.0) -> PendingSend:
    command = SendCommand(
        session_id="s1",
        message_id=message_id,
        to="1@s.whatsapp.net",
        content=TextContent(text=message_id),
    )
    # The outbox never touches the delivery; the sender settles it.
    return PendingSend(cast(CommandDelivery, None), command, held_since=held_since)


class ScriptedAttempts:
    """Return the next scripted outcome for each attempt, or DONE when none is left.

    A RETRY schedules the send's next attempt at ``retry_at``, as the sender does.
    """

    def __init__(self, retry_at: float = 0.0, **outcomes: list[AttemptOutcome]) -> None:
        self._outcomes = {key: iter(value) for key, value in outcomes.items()}
        self._retry_at = retry_at
        self.tried: list[str] = []

    async def __call__(self, send: PendingSend) -> AttemptOutcome:
        self.tried.append(send.message_id)
        outcomes: Iterator[AttemptOutcome] = self._outcomes.get(send.message_id, iter(()))
        outcome = next(outcomes, AttemptOutcome.DONE)
        if outcome is AttemptOutcome.RETRY:
            send.retry_at = self._retry_at
        return outcome


def filled(*message_ids: str) -> Outbox:
    outbox = Outbox()
    for message_id in message_ids:
        outbox.add(pending(message_id))
    return outbox


async def test_flush_sends_in_order() -> None:
    outbox = filled("m1", "m2", "m3")
    attempts = ScriptedAttempts()

    await outbox.flush(attempts, lambda: True, now=0.0)

    assert attempts.tried == ["m1", "m2", "m3"]
    assert len(outbox) == 0


async def test_flush_holds_everything_while_offline() -> None:
    outbox = filled("m1", "m2")
    attempts = ScriptedAttempts()

    await outbox.flush(attempts, lambda: False, now=0.0)

    assert attempts.tried == []
    assert len(outbox) == 2


async def test_first_send_not_connected_blocks_later_ones() -> None:
    outbox = filled("m1", "m2")
    attempts = ScriptedAttempts(m1=[AttemptOutcome.NOT_CONNECTED])

    await outbox.flush(attempts, lambda: True, now=0.0)
    await outbox.flush(attempts, lambda: True, now=0.0)

    assert attempts.tried == ["m1", "m1", "m2"]
    assert len(outbox) == 0


async def test_retry_waits_until_due() -> None:
    outbox = filled("m1", "m2")
    attempts = ScriptedAttempts(retry_at=5.0, m1=[AttemptOutcome.RETRY])

    await outbox.flush(attempts, lambda: True, now=0.0)
    await outbox.flush(attempts, lambda: True, now=4.0)
    early = list(attempts.tried)
    await outbox.flush(attempts, lambda: True, now=5.0)

    assert early == ["m1"]
    assert attempts.tried == ["m1", "m1", "m2"]


def test_take_expired_removes_oldest_only() -> None:
    outbox = Outbox()
    for message_id, since in (("old", 0.0), ("older-ish", 1.0), ("new", 9.0)):
        outbox.add(pending(message_id, held_since=since))

    expired = outbox.take_expired(now=10.0, max_wait=5.0)

    assert [send.message_id for send in expired] == ["old", "older-ish"]
    assert len(outbox) == 1


def test_next_wake_is_expiry_or_due_retry() -> None:
    outbox = Outbox()
    first = pending("m1", held_since=0.0)
    first.retry_at = 3.0
    outbox.add(first)

    connected = outbox.next_wake(now=1.0, connected=True, max_wait=100.0)
    offline = outbox.next_wake(now=1.0, connected=False, max_wait=100.0)

    assert connected == 3.0
    assert offline == 100.0
    assert Outbox().next_wake(now=1.0, connected=True, max_wait=100.0) is None

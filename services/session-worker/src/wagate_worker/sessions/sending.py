"""Sending one message through a driver and recording the outcome."""

from __future__ import annotations

import logging
import time

from nats.errors import Error as NatsError

from wagate_common.broker.failed import (
    FailedJob,
    FailedQueue,
    FailedQueueName,
    now_text,
)
from wagate_common.schemas.commands import (
    EditContent,
    ReactionContent,
    RevokeContent,
    SendCommand,
)
from wagate_common.schemas.events import EventType
from wagate_common.storage.messages import MessageStatus
from wagate_worker.drivers.base import NotConnectedError, SendError, SessionDriver
from wagate_worker.events.payloads import message_failed_data, message_sent_data
from wagate_worker.media.errors import MediaUnavailableError
from wagate_worker.metrics import MESSAGES_FAILED, MESSAGES_SENT
from wagate_worker.sessions.backoff import BackoffPolicy
from wagate_worker.sessions.context import RuntimeContext
from wagate_worker.sessions.outbox import AttemptOutcome, PendingSend
from wagate_worker.sessions.pacing import PacingPolicy, SendPacer

logger = logging.getLogger(__name__)

# How often a session's ``sendPacing`` is read again, so that a change applies.
PACING_REFRESH_SECONDS = 10.0


class MessageSender:
    """Sends a session's messages and records each outcome before the ack.

    The record is checked before each send: a command whose record is no longer
    ``queued`` (a redelivery after a crash) is acknowledged and skipped.
    """

    def __init__(self, context: RuntimeContext, session_id: str) -> None:
        self._context = context
        self._session_id = session_id
        settings = context.settings
        self._max_attempts = settings.send_attempts
        self._retry = BackoffPolicy(
            settings.send_retry_base_seconds, settings.send_retry_max_seconds, jitter=0.2
        )
        self._default_pacing = PacingPolicy(
            settings.send_min_gap_ms / 1000, settings.send_per_minute
        )
        self._pacer = SendPacer(self._default_pacing)
        self._pacing_read_at: float | None = None

    async def attempt(
        self, pending: PendingSend, driver: SessionDriver
    ) -> AttemptOutcome:
        """Send ``pending`` unless it was already, and record what happened."""
        try:
            if pending.result is None:
                if await self.skip_if_settled(pending):
                    return AttemptOutcome.DONE
                revoked = await self._revoked_target_reason(pending.command)
                if revoked is not None:
                    await self.fail(pending, revoked)
                    return AttemptOutcome.DONE
                if await self._must_wait(pending):
                    return AttemptOutcome.RETRY
                outcome = await self._send(pending, driver)
                if outcome is not None:
                    return outcome
            await self._record_sent(pending)
        except Exception:
            # The database or broker failed while recording; the driver's result,
            # if any, is kept so the retry records it rather than sending again.
            logger.exception("recording a send failed", extra=self._describe(pending))
            return self._schedule_retry(pending)
        return AttemptOutcome.DONE

    async def skip_if_settled(self, pending: PendingSend) -> bool:
        """Acknowledge and skip a send whose record is no longer ``queued``."""
        record = await self._context.messages.get(pending.message_id)
        if record is not None and record["status"] == MessageStatus.QUEUED.value:
            return False
        status = record["status"] if record else None
        logger.info(
            "send skipped: its record is not queued",
            extra={**self._describe(pending), "status": status},
        )
        await pending.delivery.ack("skipped")
        return True

    async def fail(self, pending: PendingSend, reason: str) -> None:
        """Mark the record failed, publish ``message.failed`` and acknowledge."""
        command = pending.command
        record = await self._context.messages.mark_failed(command.message_id, reason)
        if record is None:
            # Already sent (or gone): a failure now would contradict the record.
            await pending.delivery.ack("skipped")
            return

        MESSAGES_FAILED.inc()
        data = message_failed_data(
            command.message_id, command.to, command.content.message_type, reason
        )
        await self._context.publisher.publish(
            self._session_id, EventType.MESSAGE_FAILED, data
        )
        await self._park(pending, reason)
        await pending.delivery.ack("failed")
        logger.info("message failed", extra={**self._describe(pending), "error": reason})

    async def _revoked_target_reason(self, command: SendCommand) -> str | None:
        """Return why an action cannot be sent when its target was revoked, else None.

        The api rejects actions on a message already recorded as revoked. This
        catches an action queued while the revoke before it was still queued.
        The outbox sends in command order, so that revoke is recorded by now.
        """
        content = command.content
        if not isinstance(content, ReactionContent | EditContent | RevokeContent):
            return None
        if not content.target.from_me:
            return None
        target = await self._context.messages.find_by_wa_id(
            self._session_id, content.target.wa_message_id
        )
        if target is None or target.get("revokedAt") is None:
            return None
        revoked_by = target.get("revokedBy")
        if revoked_by == command.message_id:
            # This revoke itself, sent before a crash and delivered again.
            return None
        by = f" by revoke '{revoked_by}'" if revoked_by else " outside the gateway"
        return (
            f"message '{target['_id']}' was revoked (deleted for everyone){by} "
            f"before this {content.message_type} was sent"
        )

    async def _must_wait(self, pending: PendingSend) -> bool:
        """Hold the send until the session's pacing allows it, without an attempt."""
        await self._refresh_pacing()
        now = time.monotonic()
        allowed = self._pacer.next_allowed(now)
        if allowed <= now:
            return False
        pending.retry_at = allowed
        logger.debug(
            "send paced", extra={**self._describe(pending), "wait": allowed - now}
        )
        return True

    async def _refresh_pacing(self) -> None:
        now = time.monotonic()
        if (
            self._pacing_read_at is not None
            and now - self._pacing_read_at < PACING_REFRESH_SECONDS
        ):
            return
        record = await self._context.sessions.get(self._session_id)
        stored = record.get("sendPacing") if record else None
        self._pacer.policy = PacingPolicy.of(stored, self._default_pacing)
        self._pacing_read_at = now

    async def _park(self, pending: PendingSend, reason: str) -> None:
        """Store the send in the failed queue, where the api can retry it."""
        command = pending.command
        job = FailedJob(
            queue=FailedQueueName.MESSAGES,
            id=command.message_id,
            payload=command.to_wire(),
            attempts=max(pending.attempts, 1),
            last_error=reason,
            failed_at=now_text(),
            session_id=self._session_id,
            references={"messageId": command.message_id},
            # A retried send fails under a new command id, so it is stored again.
            deduplication_id=f"{command.id}:failed",
        )
        try:
            await FailedQueue(self._context.nats.jetstream()).add(job)
        except (NatsError, TimeoutError):
            # The record and the message.failed event already tell the caller.
            logger.exception(
                "storing the failed send failed", extra=self._describe(pending)
            )

    async def _send(
        self, pending: PendingSend, driver: SessionDriver
    ) -> AttemptOutcome | None:
        """Send through the driver; return an outcome unless it worked."""
        if pending.outgoing is None:
            try:
                pending.outgoing = await self._context.outgoing.prepare(
                    self._session_id, pending.command
                )
            except MediaUnavailableError as error:
                return await self._after_error(
                    pending, error.reason, permanent=error.permanent
                )
            except Exception as error:
                # A bug while resolving media: counted like a transient error,
                # so that it cannot retry forever.
                logger.exception("preparing a send raised", extra=self._describe(pending))
                return await self._after_error(
                    pending, f"{type(error).__name__}: {error}", permanent=False
                )
        self._pacer.record(time.monotonic())
        try:
            pending.result = await driver.send(pending.outgoing)
        except NotConnectedError:
            return AttemptOutcome.NOT_CONNECTED
        except SendError as error:
            return await self._after_error(pending, str(error), permanent=error.permanent)
        except Exception as error:
            # A driver bug: treated like a transient network error.
            logger.exception("driver send raised", extra=self._describe(pending))
            return await self._after_error(
                pending, f"{type(error).__name__}: {error}", permanent=False
            )
        return None

    async def _after_error(
        self, pending: PendingSend, reason: str, permanent: bool
    ) -> AttemptOutcome:
        pending.attempts += 1
        if permanent or pending.attempts >= self._max_attempts:
            await self.fail(pending, reason)
            return AttemptOutcome.DONE
        logger.warning(
            "send failed; retrying",
            extra={
                **self._describe(pending),
                "attempt": pending.attempts,
                "error": reason,
            },
        )
        return self._schedule_retry(pending)

    def _schedule_retry(self, pending: PendingSend) -> AttemptOutcome:
        delay = self._retry.delay(max(pending.attempts - 1, 0))
        pending.retry_at = time.monotonic() + delay
        return AttemptOutcome.RETRY

    async def _record_sent(self, pending: PendingSend) -> None:
        result = pending.result
        assert result is not None
        command = pending.command
        if isinstance(command.content, RevokeContent):
            # Before mark_sent: a crash in between delivers the revoke again,
            # while a revoke record already sent would be skipped and its
            # target would never be marked.
            await self._context.messages.mark_revoked(
                self._session_id,
                command.content.target.wa_message_id,
                result.timestamp,
                revoked_by=command.message_id,
            )
        await self._context.messages.mark_sent(
            command.message_id, result.wa_message_id, result.timestamp
        )
        MESSAGES_SENT.inc()
        # NOTE: a crash between this update and the publish below loses the
        # event: the redelivered command finds the record sent and skips it.
        data = message_sent_data(
            command.message_id, command.to, command.content.message_type, result
        )
        await self._context.publisher.publish(
            self._session_id, EventType.MESSAGE_SENT, data
        )
        await pending.delivery.ack("sent")
        logger.info(
            "message sent",
            extra={**self._describe(pending), "wa_message_id": result.wa_message_id},
        )

    def _describe(self, pending: PendingSend) -> dict[str, object]:
        return {"session_id": self._session_id, "message_id": pending.message_id}

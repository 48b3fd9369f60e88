"""Delivery jobs: one event for one webhook, on the DELIVERIES stream.

A job's body is the event's JSON, byte for byte, so every attempt signs and
sends the same bytes. The rest travels in ``Wagate-*`` headers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wagate_common.broker import subjects
from wagate_common.broker.failed import (
    ATTEMPT_HEADER,
    EVENT_ID_HEADER,
    FIRST_ATTEMPT_AT_HEADER,
    JOB_ID_HEADER,
    LAST_ERROR_HEADER,
    SESSION_ID_HEADER,
    WEBHOOK_ID_HEADER,
    single_line,
)
from wagate_dispatcher.errors import InvalidJobError


@dataclass(frozen=True)
class DeliveryJob:
    """One event to deliver to one webhook.

    Attributes:
        id: The job's id; a retry from the failed queue gets a new one.
        event_id: The event's id, sent as ``webhook-id`` on every attempt.
        webhook_id: The webhook to deliver to.
        session_id: The event's session.
        attempt: The number of the next attempt, from 1.
        first_attempt_at: When the job was queued, RFC 3339 UTC.
        body: The event's JSON bytes.
        last_error: The previous attempt's failure, if any.
    """

    id: str
    event_id: str
    webhook_id: str
    session_id: str
    attempt: int
    first_attempt_at: str
    body: bytes
    last_error: str | None = None

    @property
    def subject(self) -> str:
        """The subject the job is consumed from."""
        return subjects.delivery(self.webhook_id)

    def headers(self) -> dict[str, str]:
        """Render the job's fields as message headers, without a de-duplication id."""
        headers = {
            JOB_ID_HEADER: self.id,
            EVENT_ID_HEADER: self.event_id,
            WEBHOOK_ID_HEADER: self.webhook_id,
            SESSION_ID_HEADER: self.session_id,
            ATTEMPT_HEADER: str(self.attempt),
            FIRST_ATTEMPT_AT_HEADER: self.first_attempt_at,
        }
        if self.last_error:
            headers[LAST_ERROR_HEADER] = single_line(self.last_error)
        return headers

    def next_attempt(self, error: str) -> DeliveryJob:
        """Return the job as its retry carries it."""
        return replace(self, attempt=self.attempt + 1, last_error=error)


def parse_job(headers: dict[str, str] | None, body: bytes) -> DeliveryJob:
    """Rebuild a job from a DELIVERIES message.

    Raises:
        InvalidJobError: a header is missing or the attempt is not a number.
    """
    values = headers or {}
    try:
        return DeliveryJob(
            id=values[JOB_ID_HEADER],
            event_id=values[EVENT_ID_HEADER],
            webhook_id=values[WEBHOOK_ID_HEADER],
            session_id=values[SESSION_ID_HEADER],
            attempt=int(values[ATTEMPT_HEADER]),
            first_attempt_at=values.get(FIRST_ATTEMPT_AT_HEADER, ""),
            body=body,
            last_error=values.get(LAST_ERROR_HEADER),
        )
    except KeyError as error:
        raise InvalidJobError(f"missing header {error}") from error
    except ValueError as error:
        raise InvalidJobError(f"{ATTEMPT_HEADER} is not a number") from error

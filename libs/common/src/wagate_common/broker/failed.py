"""The failed queue: jobs that exhausted their retries, kept on the FAILED stream.

A failed job is one message on ``wagate.failed.<queue>.<job id>``. Its body is
the job's payload, byte for byte: the event for ``webhooks``, the send command
for ``messages``. Everything else travels in ``Wagate-*`` headers, so a retry
puts back exactly the bytes that failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

from wagate_common.broker import subjects
from wagate_common.ids import isoformat, utc_now

JOB_ID_HEADER = "Wagate-Job-Id"
# On a delivery job: the number of the attempt it carries, from 1.
ATTEMPT_HEADER = "Wagate-Attempt"
ATTEMPTS_HEADER = "Wagate-Attempts"
LAST_ERROR_HEADER = "Wagate-Last-Error"
FAILED_AT_HEADER = "Wagate-Failed-At"
FIRST_ATTEMPT_AT_HEADER = "Wagate-First-Attempt-At"
SESSION_ID_HEADER = "Wagate-Session-Id"
WEBHOOK_ID_HEADER = "Wagate-Webhook-Id"
EVENT_ID_HEADER = "Wagate-Event-Id"
MESSAGE_ID_HEADER = "Wagate-Message-Id"

# JetStream's error code for a message that does not exist (or no longer does).
NO_MESSAGE_FOUND = 10057
# Header values are single lines; a longer error is cut to this many characters.
MAX_ERROR_LENGTH = 500


class FailedQueueName(StrEnum):
    """The queues whose jobs can fail for good."""

    MESSAGES = "messages"
    WEBHOOKS = "webhooks"


@dataclass(frozen=True)
class FailedJob:
    """One job in the failed queue.

    Attributes:
        queue: The queue the job came from.
        id: The job's id, unique within its queue.
        payload: The job's bytes as they were queued.
        attempts: How many times the job was tried.
        last_error: The last failure: an HTTP status, a transport error or a
            driver's reason.
        failed_at: When the job was moved here, RFC 3339 UTC.
        first_attempt_at: When the job was first queued, RFC 3339 UTC, if known.
        session_id: The session the job belongs to, if known.
        references: Ids of what the job concerns (``webhookId``, ``eventId``,
            ``messageId``).
        sequence: The stream sequence of the stored message; 0 before it is stored.
        deduplication_id: The ``Nats-Msg-Id`` of the add: a repeated add with
            the same one is stored once. Defaults to one derived from the id,
            which fits jobs whose id is never reused.
    """

    queue: FailedQueueName
    id: str
    payload: bytes
    attempts: int
    last_error: str
    failed_at: str
    first_attempt_at: str | None = None
    session_id: str | None = None
    references: dict[str, str] = field(default_factory=dict)
    sequence: int = 0
    deduplication_id: str | None = None

    @property
    def subject(self) -> str:
        """The subject the job is stored on."""
        return subjects.failed_job(self.queue.value, self.id)

    def headers(self) -> dict[str, str]:
        """Render the job's fields as message headers."""
        headers = {
            "Nats-Msg-Id": self.deduplication_id
            or f"{self.queue.value}:{self.id}:failed",
            JOB_ID_HEADER: self.id,
            ATTEMPTS_HEADER: str(self.attempts),
            LAST_ERROR_HEADER: single_line(self.last_error),
            FAILED_AT_HEADER: self.failed_at,
        }
        if self.first_attempt_at:
            headers[FIRST_ATTEMPT_AT_HEADER] = self.first_attempt_at
        if self.session_id:
            headers[SESSION_ID_HEADER] = self.session_id
        for name, value in self.references.items():
            headers[_REFERENCE_HEADERS[name]] = value
        return headers

    def payload_json(self) -> Any:
        """Return the payload decoded as JSON, or as text when it is not JSON."""
        try:
            return json.loads(self.payload)
        except ValueError:
            return self.payload.decode("utf-8", errors="replace")


_REFERENCE_HEADERS = {
    "webhookId": WEBHOOK_ID_HEADER,
    "eventId": EVENT_ID_HEADER,
    "messageId": MESSAGE_ID_HEADER,
}


def single_line(text: str) -> str:
    """Make ``text`` safe as a header value: one line, at most the error length."""
    flattened = " ".join(text.split())
    return flattened[:MAX_ERROR_LENGTH]


def now_text() -> str:
    """Return the current time as RFC 3339 UTC."""
    return isoformat(utc_now()) or ""


def parse_failed_job(
    subject: str, sequence: int, headers: dict[str, str] | None, data: bytes | None
) -> FailedJob:
    """Rebuild a job from a stored FAILED message.

    Raises:
        ValueError: the subject is not a failed-queue subject of a known queue.
    """
    parts = subject.split(".", 3)
    if len(parts) != 4 or parts[:2] != ["wagate", "failed"]:
        raise ValueError(f"'{subject}' is not a failed-queue subject")
    queue = FailedQueueName(parts[2])
    values = headers or {}
    references = {
        name: values[header]
        for name, header in _REFERENCE_HEADERS.items()
        if header in values
    }
    return FailedJob(
        queue=queue,
        id=parts[3],
        payload=data or b"",
        attempts=int(values.get(ATTEMPTS_HEADER, "0") or 0),
        last_error=values.get(LAST_ERROR_HEADER, ""),
        failed_at=values.get(FAILED_AT_HEADER, ""),
        first_attempt_at=values.get(FIRST_ATTEMPT_AT_HEADER),
        session_id=values.get(SESSION_ID_HEADER),
        references=references,
        sequence=sequence,
    )


class FailedQueue:
    """Reads and writes the FAILED stream."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def add(self, job: FailedJob) -> None:
        """Store a job; a repeated add of the same job id is stored once."""
        await self._js.publish(job.subject, job.payload, headers=job.headers())

    async def get(self, queue: FailedQueueName, job_id: str) -> FailedJob | None:
        """Return the stored job, or None when there is none."""
        subject = subjects.failed_job(queue.value, job_id)
        try:
            message = await self._js.get_last_msg(subjects.FAILED_STREAM, subject)
        except NotFoundError:
            return None
        return parse_failed_job(subject, message.seq or 0, message.headers, message.data)

    async def list_page(
        self, queue: FailedQueueName | None, after_sequence: int, limit: int
    ) -> tuple[list[FailedJob], int | None]:
        """Return up to ``limit`` jobs stored after ``after_sequence``, oldest first.

        The second value is the sequence to pass for the next page, or None on
        the last page.
        """
        filter_subject = (
            subjects.failed_queue(queue.value) if queue else subjects.FAILED_ALL
        )
        jobs: list[FailedJob] = []
        sequence = after_sequence
        while len(jobs) <= limit:
            try:
                message = await self._js.get_msg(
                    subjects.FAILED_STREAM,
                    seq=sequence + 1,
                    subject=filter_subject,
                    next=True,
                )
            except NotFoundError:
                return jobs, None
            sequence = message.seq or sequence + 1
            jobs.append(
                parse_failed_job(
                    message.subject or "", sequence, message.headers, message.data
                )
            )
        return jobs[:limit], jobs[limit - 1].sequence

    async def remove(self, job: FailedJob) -> bool:
        """Delete the stored job; return False when it was already gone.

        Only one of several concurrent callers gets True, so the caller that
        gets it alone may act on the job.
        """
        try:
            return await self._js.delete_msg(subjects.FAILED_STREAM, job.sequence)
        except APIError as error:
            if error.err_code == NO_MESSAGE_FOUND:
                return False
            raise

    async def count(self, queue: FailedQueueName) -> int:
        """Return how many jobs of ``queue`` are stored."""
        # NOTE: the server counts by listing every subject, one per job, so this
        # response grows with the failed queue; tens of thousands of jobs make it slow.
        info = await self._js.stream_info(
            subjects.FAILED_STREAM, subjects_filter=subjects.failed_queue(queue.value)
        )
        return sum((info.state.subjects or {}).values())

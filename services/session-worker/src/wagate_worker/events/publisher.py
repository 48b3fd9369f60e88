"""Publishing events on the EVENTS stream."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from wagate_common.broker import subjects
from wagate_common.schemas.events import Event, EventType

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0
PUBLISH_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.5


class EventPublisher:
    """Stores events in JetStream; the event id de-duplicates a retried publish."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def publish(
        self, session_id: str, event_type: EventType, data: dict[str, Any]
    ) -> Event | None:
        """Publish one event; return it, or None when the broker did not store it.

        A failed publish is retried a few times and then logged and dropped: the
        state change it reports is already stored, and holding the caller up
        would stall the session.
        """
        event = Event(type=event_type, session_id=session_id, data=data)
        subject = subjects.event(session_id, event_type.value)
        payload = event.to_wire()
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                await self._js.publish(
                    subject,
                    payload,
                    timeout=PUBLISH_TIMEOUT_SECONDS,
                    headers={"Nats-Msg-Id": event.id},
                )
            except (NatsError, TimeoutError) as error:
                _log_failure(event, attempt, error)
                if attempt < PUBLISH_ATTEMPTS:
                    await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)
                continue
            logger.debug("event published", extra=_describe(event))
            return event
        return None


def _log_failure(event: Event, attempt: int, error: Exception) -> None:
    level = logging.ERROR if attempt == PUBLISH_ATTEMPTS else logging.WARNING
    logger.log(
        level,
        "event publish failed (attempt %d of %d)",
        attempt,
        PUBLISH_ATTEMPTS,
        extra={**_describe(event), "error": repr(error)},
    )


def _describe(event: Event) -> dict[str, str]:
    return {
        "event_id": event.id,
        "type": event.type.value,
        "session_id": event.session_id,
    }

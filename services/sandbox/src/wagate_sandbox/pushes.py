"""Pushing network events to a session's device and waiting for its ack."""

from __future__ import annotations

import logging

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import ValidationError

from wagate_common.broker import subjects
from wagate_common.schemas.sandbox import Ack, Push

logger = logging.getLogger(__name__)


class PushSender:
    """Sends pushes as NATS requests to ``wagate.sbx.dev.<session>``."""

    def __init__(self, nats: Client, timeout_seconds: float) -> None:
        self._nats = nats
        self._timeout = timeout_seconds

    async def push(self, session_id: str, push: Push) -> bool:
        """Push an event; return whether the device acknowledged it."""
        return await self.push_raw(session_id, push.kind, push.to_wire())

    async def push_raw(self, session_id: str, kind: str, payload: bytes) -> bool:
        """Push an already serialized event; return whether the device acknowledged it."""
        subject = subjects.sandbox_device(session_id)
        extra = {"session_id": session_id, "push": kind}
        try:
            answer = await self._nats.request(subject, payload, timeout=self._timeout)
        except NoRespondersError:
            logger.debug("push found no device", extra=extra)
            return False
        except NatsTimeoutError:
            logger.warning("push not acknowledged in time", extra=extra)
            return False

        try:
            ack = Ack.model_validate_json(answer.data)
        except ValidationError:
            logger.warning("push got an invalid ack", extra=extra)
            return False
        logger.debug("push acknowledged", extra={**extra, "ok": ack.ok})
        return ack.ok

"""A session's status: its record in MongoDB and its ``session.status`` events."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from enum import Enum
from typing import Any

from wagate_common.schemas.events import EventType
from wagate_common.schemas.sessions import Account, SessionStatus
from wagate_common.storage.database import Document
from wagate_worker.events.payloads import session_qr_data, session_status_data
from wagate_worker.metrics import SESSIONS
from wagate_worker.sessions.context import RuntimeContext

logger = logging.getLogger(__name__)

# Statuses in which a driver holds, or is opening, a connection.
LIVE_STATUSES = frozenset(
    {
        SessionStatus.CONNECTING,
        SessionStatus.QR,
        SessionStatus.PAIRING,
        SessionStatus.CONNECTED,
    }
)


class _Keep(Enum):
    """Marks an argument whose stored value stays as it is."""

    VALUE = "keep"


KEEP = _Keep.VALUE


class StatusReporter:
    """Writes a session's status into its record and publishes the change.

    Reports are serialized, so the record and the events always follow the
    order in which the driver reported. A ``session.status`` event is published
    when the status changes, and for every new pairing code.
    """

    def __init__(
        self, context: RuntimeContext, session_id: str, record: Document | None
    ) -> None:
        self._context = context
        self._session_id = session_id
        self._lock = asyncio.Lock()
        self.status = SessionStatus(record["status"]) if record else SessionStatus.CREATED
        self.me: dict[str, Any] | None = record.get("me") if record else None
        self.last_error: str | None = record.get("lastError") if record else None
        self._counted = True
        self._muted = False
        SESSIONS.labels(status=self.status.value).inc()

    @property
    def is_muted(self) -> bool:
        """Whether reports stay in memory, with no record write and no event."""
        return self._muted

    def mute(self) -> None:
        """Keep later reports in memory only.

        A worker that lost a shard's lease may no longer own the session: the
        new owner writes the record and publishes the events from then on.
        """
        self._muted = True

    async def connecting(self) -> None:
        """Record that the driver is opening a connection."""
        await self._report(SessionStatus.CONNECTING)

    async def qr(self, code: str, expires_at: datetime) -> None:
        """Record a new QR code to scan, and publish ``session.qr`` as well."""
        qr = {"code": code, "expiresAt": expires_at}
        await self._report(SessionStatus.QR, qr=qr)
        if not self._muted:
            data = session_qr_data(code, expires_at)
            await self._context.publisher.publish(
                self._session_id, EventType.SESSION_QR, data
            )

    async def pairing(self, code: str) -> None:
        """Record a pairing code to type on the phone."""
        await self._report(SessionStatus.PAIRING, pairing_code=code, announce=True)

    async def connected(self, account: Account) -> None:
        """Record that the session is online as ``account``."""
        me = account.model_dump(by_alias=True, mode="json")
        await self._report(SessionStatus.CONNECTED, me=me)

    async def disconnected(self, error: str | None) -> None:
        """Record that the session is offline; ``error`` is the reason of a drop."""
        await self._report(SessionStatus.DISCONNECTED, last_error=error)

    async def logged_out(self, error: str | None) -> None:
        """Record that the device was unlinked, so the session must pair again."""
        await self._report(SessionStatus.LOGGED_OUT, me=None, last_error=error)

    async def failed(self, error: str) -> None:
        """Record that the session gave up until a new connect request."""
        await self._report(SessionStatus.FAILED, last_error=error)

    async def release(self) -> None:
        """Mark the session offline and owned by no worker, as its worker lets it go."""
        if self.status in LIVE_STATUSES:
            await self.disconnected(None)
        if not self._muted:
            await self._context.sessions.update(self._session_id, {"worker": None})
        self.forget()

    def forget(self) -> None:
        """Stop counting this session in the worker's metrics."""
        if self._counted:
            SESSIONS.labels(status=self.status.value).dec()
            self._counted = False

    async def _report(
        self,
        status: SessionStatus,
        *,
        me: dict[str, Any] | _Keep | None = KEEP,
        qr: dict[str, Any] | None = None,
        pairing_code: str | None = None,
        last_error: str | None = None,
        announce: bool = False,
    ) -> None:
        async with self._lock:
            previous = self.status
            fields: dict[str, Any] = {
                "status": status.value,
                "qr": qr,
                "pairingCode": pairing_code,
                "lastError": last_error,
                "worker": self._context.worker_id,
            }
            if not isinstance(me, _Keep):
                self.me = me
                fields["me"] = me
            self._count(previous, status)
            self.status = status
            self.last_error = last_error
            if self._muted:
                return

            await self._context.sessions.update(self._session_id, fields)
            if status is not previous or announce:
                data = session_status_data(
                    status, previous, self.me, last_error, pairing_code
                )
                await self._context.publisher.publish(
                    self._session_id, EventType.SESSION_STATUS, data
                )
        if status is not previous:
            logger.info(
                "session status changed",
                extra={
                    "session_id": self._session_id,
                    "status": status.value,
                    "previous_status": previous.value,
                },
            )

    def _count(self, previous: SessionStatus, status: SessionStatus) -> None:
        if self._counted and previous is not status:
            SESSIONS.labels(status=previous.value).dec()
            SESSIONS.labels(status=status.value).inc()

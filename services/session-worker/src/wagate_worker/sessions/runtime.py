"""One session on this worker: its driver, its commands in order, its status."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from wagate_common.schemas.commands import (
    ConnectCommand,
    DisconnectCommand,
    LogoutCommand,
    SendCommand,
)
from wagate_common.schemas.sessions import DesiredStatus, SessionStatus
from wagate_common.storage.database import Document
from wagate_worker.commands.delivery import CommandDelivery
from wagate_worker.drivers.base import (
    CallReceived,
    Connected,
    Disconnected,
    DriverEvent,
    Failed,
    GroupParticipantsChanged,
    GroupUpdated,
    LoggedOut,
    MessageReceived,
    MessageRevoked,
    PairingCodeIssued,
    PresenceChanged,
    QrChanged,
    ReactionReceived,
    ReceiptReceived,
    SessionDriver,
)
from wagate_worker.drivers.registry import DriverUnavailableError
from wagate_worker.sessions.backoff import BackoffPolicy
from wagate_worker.sessions.context import RuntimeContext
from wagate_worker.sessions.inbound import InboundHandler
from wagate_worker.sessions.lane import ConnectRequest, FailSends, FlushSends, LaneItem
from wagate_worker.sessions.send_queue import SendQueue
from wagate_worker.sessions.starts import QUARANTINE_AFTER, StartTicket, quarantine_reason
from wagate_worker.sessions.status import LIVE_STATUSES, StatusReporter
from wagate_worker.sessions.timers import ReconnectSchedule

logger = logging.getLogger(__name__)

# Driver events that end a start: the driver got far enough to report.
START_OUTCOMES = (
    QrChanged,
    PairingCodeIssued,
    Connected,
    Disconnected,
    LoggedOut,
    Failed,
)

# A command whose handling raised is delivered again after this delay.
COMMAND_RETRY_DELAY_SECONDS = 5.0
# Sessions in these statuses cannot send until someone connects them again.
UNUSABLE_STATUSES = frozenset({SessionStatus.LOGGED_OUT, SessionStatus.FAILED})
DELETED_REASON = "the session was deleted before the message was sent"


class SessionRuntime:
    """Runs one session's commands in order and turns driver events into state.

    Everything that calls the driver or touches the held sends runs in the
    session's lane, one item at a time: commands in stream order, plus the
    runtime's own connect and flush requests. Driver events are handled where
    the driver reports them; they only update the record, publish events and
    queue lane items.
    """

    def __init__(
        self,
        context: RuntimeContext,
        session_id: str,
        shard: int,
        driver_name: str,
        record: Document | None,
        on_closed: Callable[[SessionRuntime], None],
    ) -> None:
        self.session_id = session_id
        self.shard = shard
        self._context = context
        self._settings = context.settings
        self._on_closed = on_closed
        self._log_extra = {"session_id": session_id}

        self._reporter = StatusReporter(context, session_id, record)
        self._inbound = InboundHandler(context, session_id)
        self._lane: asyncio.Queue[LaneItem | None] = asyncio.Queue()
        self._sends = SendQueue(
            context, session_id, lambda: self._lane.put_nowait(FlushSends())
        )
        self._task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None

        desired = record.get("desiredStatus") if record else None
        self._desired = DesiredStatus(desired or DesiredStatus.DISCONNECTED.value)
        self._driver_error: str | None = None
        self._driver = self._create_driver(driver_name)
        # True from the moment the driver is asked to connect until it reports
        # that the connection ended (or failed, or the device was unlinked).
        self._live = False
        self._stopping = False
        self._stopped = False
        self._closed = False
        self._logging_out = False
        self._start_ticket: StartTicket | None = None

        policy = BackoffPolicy(
            self._settings.reconnect_base_seconds,
            self._settings.reconnect_max_seconds,
            self._settings.reconnect_jitter,
        )
        self._reconnect = ReconnectSchedule(policy, self.request_connect)

    @property
    def status(self) -> SessionStatus:
        """The status last reported for the session."""
        return self._reporter.status

    @property
    def held_sends(self) -> int:
        """How many sends wait for their turn or for a connection."""
        return len(self._sends)

    @property
    def driver(self) -> SessionDriver | None:
        """The session's driver, or None when its driver is unavailable here."""
        return self._driver

    @property
    def is_connected(self) -> bool:
        """Whether the session is online, so live requests can use the driver."""
        return self._is_connected() and not self._stopping

    def start(self) -> None:
        """Start running lane items."""
        self._task = asyncio.create_task(
            self._run_lane(), name=f"session-{self.session_id}"
        )

    def enqueue(self, delivery: CommandDelivery) -> None:
        """Queue a command behind the session's earlier ones."""
        self._lane.put_nowait(delivery)

    def request_connect(self) -> None:
        """Queue a connect that runs if the session should be connected by then."""
        self._lane.put_nowait(ConnectRequest())

    async def stop(self, graceful: bool) -> None:
        """Stop the session on this worker and hand its commands back to the stream.

        ``graceful`` lets the lane item under way finish first (within the
        driver stop time) and records the session offline. Otherwise the item
        is cancelled and the record is left to the shard's next owner. Commands
        not settled are negatively acknowledged, so that owner gets them at
        once. A call while a graceful stop runs makes it immediate.
        """
        if not graceful:
            # The lease may be another worker's by now. That worker writes the
            # record and the events once it claims the shard and reconciles.
            self._reporter.mute()
        if self._stop_task is None:
            self._stop_task = asyncio.create_task(self._stop(graceful))
        elif not graceful and self._task is not None:
            self._task.cancel()
        # Shielded: a caller that is cancelled must not leave the stop half done.
        await asyncio.shield(self._stop_task)

    async def on_driver_event(self, event: DriverEvent) -> None:
        """Apply one event of the driver (the runtime is the driver's listener)."""
        if self._stopped or self._reporter.is_muted:
            logger.debug("driver event after stop ignored", extra=self._log_extra)
            return
        if isinstance(event, START_OUTCOMES):
            await self._finish_start()
        match event:
            case QrChanged():
                await self._reporter.qr(event.code, event.expires_at)
            case PairingCodeIssued():
                await self._reporter.pairing(event.code)
            case Connected():
                await self._on_connected(event)
            case Disconnected():
                await self._on_disconnected(event)
            case LoggedOut():
                await self._on_logged_out(event)
            case Failed():
                await self._on_failed(event)
            case MessageReceived():
                await self._inbound.message(event)
            case ReceiptReceived():
                await self._inbound.receipt(event)
            case ReactionReceived():
                await self._inbound.reaction(event)
            case MessageRevoked():
                await self._inbound.revoked(event)
            case GroupParticipantsChanged():
                await self._inbound.group_participants(event)
            case GroupUpdated():
                await self._inbound.group_update(event)
            case PresenceChanged():
                await self._inbound.presence(event)
            case CallReceived():
                await self._inbound.call(event)

    # Driver events.

    async def _on_connected(self, event: Connected) -> None:
        self._live = True
        self._reconnect.reset()
        await self._reporter.connected(event.account)
        self._lane.put_nowait(FlushSends())

    async def _on_disconnected(self, event: Disconnected) -> None:
        self._live = False
        if event.expected:
            await self._reporter.disconnected(None)
            return
        await self._lost(event.reason)

    async def _on_logged_out(self, event: LoggedOut) -> None:
        self._live = False
        self._reconnect.cancel()
        await self._context.auth.delete(self.session_id)
        if self._logging_out:
            await self._reporter.logged_out(None)
            return
        await self._reporter.logged_out(event.reason)
        self._lane.put_nowait(FailSends(f"the session was logged out: {event.reason}"))

    async def _on_failed(self, event: Failed) -> None:
        self._live = False
        self._reconnect.cancel()
        await self._reporter.failed(event.reason)
        self._lane.put_nowait(FailSends(f"the session failed: {event.reason}"))

    async def _lost(self, reason: str) -> None:
        """Record an unexpected drop and schedule a reconnect if one is wanted."""
        self._live = False
        await self._reporter.disconnected(reason)
        if not self._wants_connection():
            return
        delay = self._reconnect.schedule()
        if delay is not None:
            logger.warning(
                "session connection lost; reconnecting in %.1f s",
                delay,
                extra={**self._log_extra, "reason": reason},
            )

    def _wants_connection(self) -> bool:
        return (
            self._desired is DesiredStatus.CONNECTED
            and not self._stopping
            and not self._closed
        )

    # The lane.

    async def _run_lane(self) -> None:
        while not self._stopping:
            item = await self._lane.get()
            if item is None:
                return
            await self._run_item(item)
            if self._closed:
                await self._settle_after_close()
                return

    async def _run_item(self, item: LaneItem) -> None:
        try:
            match item:
                case CommandDelivery():
                    await self._run_command(item)
                case ConnectRequest():
                    if self._wants_connection():
                        await self._connect(None)
                case FlushSends():
                    await self._sends.flush(self._driver, self._is_connected)
                case FailSends():
                    await self._sends.fail_all(item.reason)
        except Exception:
            logger.exception("session lane item failed", extra=self._log_extra)
            if isinstance(item, CommandDelivery):
                await item.nak("error", delay=COMMAND_RETRY_DELAY_SECONDS)

    async def _run_command(self, delivery: CommandDelivery) -> None:
        match delivery.command:
            case SendCommand() as command:
                await self._accept_send(delivery, command)
                return
            case ConnectCommand() as command:
                self._desired = DesiredStatus.CONNECTED
                # The user requested a connection, so if this attempt fails too,
                # the retries start again from the first, shortest delay.
                self._reconnect.reset()
                await self._connect(command.pairing_phone)
            case DisconnectCommand():
                await self._disconnect()
            case LogoutCommand():
                await self._logout()
        await delivery.ack("done")
        logger.info("command handled", extra=delivery.describe())

    async def _connect(self, pairing_phone: str | None) -> None:
        if self._stopping or self._closed:
            return
        if self._live and not await self._switch_to_pairing_code(pairing_phone):
            return
        if self._driver is None:
            reason = self._driver_error or "no driver"
            await self._reporter.failed(reason)
            await self._sends.fail_all(f"the session failed: {reason}")
            return

        self._reconnect.cancel()
        if not await self._begin_start():
            return
        self._live = True
        await self._reporter.connecting()
        try:
            await self._driver.connect(pairing_phone)
        except Exception as error:
            logger.exception("driver connect raised", extra=self._log_extra)
            await self._finish_start()
            await self._lost(f"connecting failed: {type(error).__name__}: {error}")

    async def _begin_start(self) -> bool:
        """Wait for the start gate and count the start; False if quarantined.

        See :mod:`wagate_worker.sessions.starts`.
        """
        record = await self._context.sessions.get(self.session_id)
        crashes = int(record.get("startCrashes") or 0) if record else 0
        if crashes >= QUARANTINE_AFTER:
            reason = quarantine_reason(crashes)
            logger.error(
                "session quarantined",
                extra={
                    **self._log_extra,
                    "crashes": crashes,
                    "worker": record and record.get("startingOn"),
                },
            )
            await self._reporter.failed(reason)
            await self._sends.fail_all(f"the session failed: {reason}")
            return False

        self._start_ticket = await self._context.starts.acquire(exclusive=crashes > 0)
        if crashes > 0:
            logger.warning(
                "starting a suspect session alone",
                extra={**self._log_extra, "crashes": crashes},
            )
        await self._context.sessions.begin_start(self.session_id, self._context.worker_id)
        return True

    async def _finish_start(self) -> None:
        """The driver reported an outcome: the start did not kill the worker."""
        ticket, self._start_ticket = self._start_ticket, None
        if ticket is None:
            return
        ticket.release()
        await self._context.sessions.finish_start(self.session_id)

    async def _switch_to_pairing_code(self, pairing_phone: str | None) -> bool:
        """Stop showing QR codes when a pairing code is asked for; return if stopped.

        A reconnect or a reconcile may have started QR pairing just before a
        connect command with a pairing phone arrived.
        """
        if pairing_phone is None or self._reporter.status is not SessionStatus.QR:
            return False
        assert self._driver is not None
        await self._driver.disconnect()
        self._live = False
        return True

    async def _disconnect(self) -> None:
        self._desired = DesiredStatus.DISCONNECTED
        self._reconnect.cancel()
        if self._driver is not None and self._live:
            await self._driver.disconnect()
        self._live = False
        status = self._reporter.status
        retrying = status is SessionStatus.DISCONNECTED and self._reporter.last_error
        if status in LIVE_STATUSES or retrying:
            await self._reporter.disconnected(None)

    async def _logout(self) -> None:
        """Unlink the device, drop its auth data and sends, and close the runtime."""
        self._desired = DesiredStatus.DISCONNECTED
        self._logging_out = True
        self._reconnect.cancel()
        if self._driver is not None:
            try:
                await self._driver.logout()
            except Exception:
                logger.exception("driver logout raised", extra=self._log_extra)
        self._live = False

        await self._context.auth.delete(self.session_id)
        if self._reporter.status is not SessionStatus.LOGGED_OUT:
            await self._reporter.logged_out(None)
        await self._sends.fail_all(DELETED_REASON)
        self._closed = True
        self._stopped = True
        self._reporter.forget()
        self._on_closed(self)
        logger.info("session logged out and closed", extra=self._log_extra)

    # Sends.

    async def _accept_send(self, delivery: CommandDelivery, command: SendCommand) -> None:
        status = self._reporter.status
        if status in UNUSABLE_STATUSES and not self._live:
            error = self._reporter.last_error
            reason = f"the session is {status.value}" + (f": {error}" if error else "")
            await self._sends.reject(delivery, command, reason)
            return
        await self._sends.accept(delivery, command, self._driver, self._is_connected)

    def _is_connected(self) -> bool:
        return self._live and self._reporter.status is SessionStatus.CONNECTED

    # Closing and stopping.

    async def _stop(self, graceful: bool) -> None:
        self._stopping = True
        self._reconnect.cancel()
        self._sends.cancel_wake()
        self._lane.put_nowait(None)

        await self._finish_lane(graceful)
        await self._requeue_unsettled()
        if graceful:
            await self._finish_start()
        elif self._start_ticket is not None:
            self._start_ticket.release()
        await self._close_driver()
        await self._reporter.release()
        self._stopped = True
        logger.info("session stopped", extra=self._log_extra)

    async def _settle_after_close(self) -> None:
        """Settle the commands queued behind the logout: the session is gone."""
        while not self._lane.empty():
            item = self._lane.get_nowait()
            if not isinstance(item, CommandDelivery):
                continue
            if isinstance(item.command, SendCommand):
                await self._sends.reject(item, item.command, DELETED_REASON)
            else:
                await item.ack("skipped")

    async def _finish_lane(self, graceful: bool) -> None:
        task = self._task
        if task is None:
            return
        if graceful:
            # asyncio.wait, unlike wait_for, neither cancels the lane on timeout
            # nor raises when an immediate stop cancels it meanwhile.
            done, _ = await asyncio.wait(
                {task}, timeout=self._settings.driver_stop_seconds
            )
            if not done:
                logger.warning(
                    "session lane did not finish in time", extra=self._log_extra
                )
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _requeue_unsettled(self) -> None:
        deliveries = self._sends.take_deliveries()
        while not self._lane.empty():
            item = self._lane.get_nowait()
            if isinstance(item, CommandDelivery):
                deliveries.append(item)
        for delivery in deliveries:
            await delivery.nak("requeued")

    async def _close_driver(self) -> None:
        if self._driver is None or not self._live:
            return
        try:
            await asyncio.wait_for(
                self._driver.disconnect(), self._settings.driver_stop_seconds
            )
        except Exception as error:
            logger.warning(
                "driver did not disconnect cleanly",
                extra={**self._log_extra, "error": repr(error)},
            )
        self._live = False

    def _create_driver(self, name: str) -> SessionDriver | None:
        context = self._context
        try:
            return context.drivers.create(
                name, self.session_id, context.nats, context.auth, self
            )
        except DriverUnavailableError as error:
            logger.warning(
                "session driver unavailable",
                extra={**self._log_extra, "driver": name, "error": error.reason},
            )
            self._driver_error = error.reason
            return None

"""The WhatsApp driver: one session's linked device, run by neonize (whatsmeow).

Each connection attempt creates a neonize client over the session's own
SQLite file. The client's event handlers run on the worker's loop, and they
only translate and queue. One pump task per driver takes the queue in order:
it does the slow work (pairing codes, store copies, stopping the client) and
reports to the listener. Every item carries the number of its connection
attempt, so that events of a client already stopped are dropped.

whatsmeow reconnects by itself after a drop, but here the runtime decides
reconnects. So on a drop the driver stops the client and reports
``Disconnected``, and the next ``connect`` starts a new client on the same store.

Sends and live requests go through :class:`ClientCalls` (``calls.py``) while
the client is connected. Incoming events are translated in ``translate.py``,
``content.py`` and ``notifications.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from neonize.aioze.client import NewAClient
from neonize.aioze.events import (
    CallOfferEv,
    CallOfferNoticeEv,
    ChatPresenceEv,
    ClientOutdatedEv,
    ConnectedEv,
    ConnectFailureEv,
    DisconnectedEv,
    GroupInfoEv,
    JoinedGroupEv,
    LoggedOutEv,
    MessageEv,
    PairStatusEv,
    PresenceEv,
    ReceiptEv,
    StreamReplacedEv,
    TemporaryBanEv,
)
from neonize.proto import Neonize_pb2 as neonize

from wagate_common.jid import InvalidJidError, mask_phone, normalize_phone
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import (
    Connected,
    Contact,
    Disconnected,
    DriverEvent,
    DriverListener,
    DriverRequestError,
    Failed,
    GroupInfo,
    LoggedOut,
    MessageReceived,
    NotConnectedError,
    OutgoingMessage,
    PairingCodeIssued,
    ParticipantAction,
    ParticipantResult,
    PhoneCheck,
    PresenceState,
    QrChanged,
    SendResult,
    SessionDriver,
)
from wagate_worker.drivers.whatsapp import notifications, translate
from wagate_worker.drivers.whatsapp.calls import ClientCalls
from wagate_worker.drivers.whatsapp.errors import (
    StoreSnapshotError,
    connect_error_reason,
)
from wagate_worker.drivers.whatsapp.process import lifecycle_lock, prepare_event_loop
from wagate_worker.drivers.whatsapp.quotes import RecentMessages
from wagate_worker.drivers.whatsapp.store import DeviceStore

logger = logging.getLogger(__name__)

DriverState = Literal["idle", "starting", "pairing", "connected"]
# The result of translating one neonize event. Some events produce several.
Translated = DriverEvent | list[DriverEvent] | None
# The lifecycle lock is held this long after a client's start, or until the start
# call returns, because the Go library registers the client during that call.
REGISTRATION_SECONDS = 0.5
# How long a stop waits for the client's Go loop to return. It is well under
# the runtime's limit for a disconnect (5 s by default), which must leave time
# to copy the store afterwards.
CLIENT_STOP_SECONDS = 2.0
# Items waiting for the pump. A full queue makes the handlers wait, so events
# stay in order.
EVENT_QUEUE_SIZE = 1000


@dataclass(frozen=True)
class WhatsAppOptions:
    """The worker settings the WhatsApp driver uses."""

    data_dir: Path
    connect_seconds: float
    pairing_seconds: float
    executor_threads: int


@dataclass(frozen=True)
class _Item:
    """Something a client reported, tagged with the attempt it belongs to."""

    attempt: int
    kind: Literal["qr", "paired", "connected", "event", "ended", "deadline", "wake"]
    payload: Any = None


class WhatsAppDriver(SessionDriver):
    """A session's linked device on the WhatsApp network."""

    def __init__(
        self,
        session_id: str,
        auth: AuthStore,
        listener: DriverListener,
        options: WhatsAppOptions,
        *,
        client_factory: Callable[[str, str], NewAClient] | None = None,
    ) -> None:
        self._session_id = session_id
        self._listener = listener
        self._options = options
        self._store = DeviceStore(options.data_dir, session_id, auth)
        self._client_factory = client_factory or _new_client
        self._log_extra = {"session_id": session_id}

        self._state: DriverState = "idle"
        self._attempt = 0
        # A strong reference: neonize stops the Go session when the Python
        # client object is collected.
        self._client: NewAClient | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._items: asyncio.Queue[_Item] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._pump: asyncio.Task[None] | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self._pairing_phone: str | None = None
        self._qr_count = 0
        self._paired_jid: neonize.JID | None = None
        self._has_connected = False
        self._calls_in_flight = 0
        self._recent = RecentMessages()
        self._account_jid: str | None = None
        self._no_calls_in_flight = asyncio.Event()
        self._no_calls_in_flight.set()

    @property
    def state(self) -> DriverState:
        """Where the driver is in its lifecycle."""
        return self._state

    @property
    def store_path(self) -> Path:
        """The session's SQLite file on local disk."""
        return self._store.path

    async def connect(self, pairing_phone: str | None) -> None:
        """Start a client on the session's store; the outcome arrives as events."""
        if self._state != "idle":
            return
        try:
            phone = normalize_phone(pairing_phone) if pairing_phone else None
        except InvalidJidError as error:
            await self._emit(Failed(reason=f"invalid pairing phone: {error}"))
            return
        prepare_event_loop(self._options.executor_threads)
        try:
            await self._store.restore()
        except StoreSnapshotError as error:
            await self._emit(Failed(reason=str(error)))
            return

        self._attempt += 1
        self._state = "starting"
        self._pairing_phone = phone
        self._qr_count = 0
        self._paired_jid = None
        self._ensure_pump()
        try:
            await self._start_client(self._attempt)
        except BaseException:
            # The runtime records the error and retries; the driver must be idle.
            await self._end_client()
            raise
        logger.info("whatsapp client started", extra=self._log_extra)

    async def disconnect(self) -> None:
        """Stop the client and keep the device's store, so no new pairing is needed."""
        if self._state == "idle":
            return
        was_connected = self._state == "connected"
        await self._end_client()
        self._wake_pump()
        if was_connected or self._has_connected:
            await self._save_store()
        logger.info("whatsapp session disconnected", extra=self._log_extra)
        await self._emit(Disconnected(reason="disconnected on request", expected=True))

    async def logout(self) -> None:
        """Unlink the device from the phone and delete the store, here and in MongoDB.

        A session that is not connected cannot reach the phone: its store is
        deleted and the phone lists the device until someone removes it there.
        """
        client = self._client if self._state == "connected" else None
        if client is not None:
            try:
                await client.logout()  # type: ignore[no-untyped-call]
            except Exception as error:
                logger.warning(
                    "whatsapp logout not confirmed",
                    extra={**self._log_extra, "error": connect_error_reason(error)},
                )
        await self._end_client()
        self._wake_pump()
        await self._store.delete()
        logger.info("whatsapp session logged out", extra=self._log_extra)
        await self._emit(LoggedOut(reason="logged out on request"))

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message of any content type through the connected client.

        Raises:
            NotConnectedError: when the session is not connected.
            SendError: when the message cannot be built, or WhatsApp or
                whatsmeow rejected the send.
        """
        if self._state != "connected" or self._client is None:
            raise NotConnectedError("the WhatsApp session is not connected")
        async with self._live_calls() as calls:
            return await calls.send(message)

    # Live requests. They run only while connected (see ClientCalls).

    async def mark_read(
        self, chat: str, sender: str | None, wa_message_ids: list[str]
    ) -> None:
        """Send read receipts for received messages of ``chat``."""
        async with self._live_calls() as calls:
            await calls.mark_read(chat, sender, wa_message_ids)

    async def send_presence(self, chat: str, state: PresenceState) -> None:
        """Show typing, recording or paused in ``chat``, or go (un)available."""
        async with self._live_calls() as calls:
            await calls.send_presence(chat, state)

    async def list_contacts(self) -> list[Contact]:
        """Return the contacts in the device's store (filled by WhatsApp's sync)."""
        async with self._live_calls() as calls:
            return await calls.list_contacts()

    async def get_contact(self, jid: str) -> Contact | None:
        """Return one contact of the device's store, or None."""
        async with self._live_calls() as calls:
            return await calls.get_contact(jid)

    async def check_phones(self, phones: list[str]) -> list[PhoneCheck]:
        """Tell for each phone number (digits only) whether it is on WhatsApp."""
        async with self._live_calls() as calls:
            return await calls.check_phones(phones)

    async def profile_picture_url(self, jid: str) -> str | None:
        """Return the URL of a user's or group's profile picture, or None."""
        async with self._live_calls() as calls:
            return await calls.profile_picture_url(jid)

    async def list_groups(self) -> list[GroupInfo]:
        """Return the groups the account is in."""
        async with self._live_calls() as calls:
            return await calls.list_groups()

    async def get_group(self, group: str) -> GroupInfo:
        """Return a group; DriverRequestError(404, "GROUP_NOT_FOUND") if unknown."""
        async with self._live_calls() as calls:
            return await calls.get_group(group)

    async def create_group(self, subject: str, participants: list[str]) -> GroupInfo:
        """Create a group with the account as its owner."""
        async with self._live_calls() as calls:
            return await calls.create_group(subject, participants)

    async def update_group(
        self,
        group: str,
        *,
        subject: str | None = None,
        description: str | None = None,
        announce: bool | None = None,
        locked: bool | None = None,
    ) -> GroupInfo:
        """Change the fields given; return the group as it is afterwards."""
        async with self._live_calls() as calls:
            return await calls.update_group(
                group,
                subject=subject,
                description=description,
                announce=announce,
                locked=locked,
            )

    async def update_participants(
        self, group: str, action: ParticipantAction, participants: list[str]
    ) -> list[ParticipantResult]:
        """Add, remove, promote or demote; one result per participant, in order."""
        async with self._live_calls() as calls:
            return await calls.update_participants(group, action, participants)

    async def invite_link(self, group: str, reset: bool = False) -> str:
        """Return the group's invite link; ``reset`` revokes the old one first."""
        async with self._live_calls() as calls:
            return await calls.invite_link(group, reset)

    async def download_media(self, download: dict[str, Any]) -> bytes:
        """Download received media described by :attr:`ReceivedMedia.download`."""
        async with self._live_calls() as calls:
            return await calls.download_media(download)

    @contextlib.asynccontextmanager
    async def _live_calls(self) -> AsyncIterator[ClientCalls]:
        """Yield the calls of the connected client, counted as in flight.

        A client is stopped only once its calls in flight have returned, or
        after CLIENT_STOP_SECONDS, because neonize's store reads crash the
        process on a stopped client.

        Raises:
            DriverRequestError: 409 SESSION_NOT_CONNECTED when not connected.
        """
        client = self._client
        if self._state != "connected" or client is None:
            raise DriverRequestError(
                409, "SESSION_NOT_CONNECTED", "the WhatsApp session is not connected"
            )
        self._calls_in_flight += 1
        self._no_calls_in_flight.clear()
        try:
            yield ClientCalls(client, self._session_id, self._recent, self._account_jid)
        finally:
            self._calls_in_flight -= 1
            if self._calls_in_flight == 0:
                self._no_calls_in_flight.set()

    async def _start_client(self, attempt: int) -> None:
        # NOTE: with neonize 0.5.2 each start leaves about 170 KiB in the Go
        # library after the client stops (bench/whatsapp_clients.md), so a
        # session that retries for days grows the worker.
        client = self._client_factory(
            str(self._store.path), f"{self._session_id}~{attempt}"
        )
        self._register_handlers(client, attempt)
        self._client = client
        async with lifecycle_lock():
            self._run_task = await client.connect()
            self._run_task.add_done_callback(
                lambda task: self._on_run_ended(attempt, task)
            )
            await asyncio.wait({self._run_task}, timeout=REGISTRATION_SECONDS)
        self._start_timer(attempt, self._options.connect_seconds, "connect")

    # Handlers, called on the loop by neonize. They translate and queue only.

    def _register_handlers(self, client: NewAClient, attempt: int) -> None:
        def queue(kind: Any, payload_of: Callable[[Any], Any]) -> Callable[..., Any]:
            async def handle(_: NewAClient, event: Any) -> None:
                try:
                    item = _Item(attempt, kind, payload_of(event))
                    await self._items.put(item)
                except Exception:
                    logger.exception(
                        "whatsapp event handler failed", extra=self._log_extra
                    )

            return handle

        client.event.qr(queue("qr", lambda data: bytes(data).decode()))
        client.event(PairStatusEv)(queue("paired", lambda event: event))
        client.event(ConnectedEv)(queue("connected", lambda event: event))
        now = _now
        translators: dict[type[Any], Callable[[Any], Translated]] = {
            LoggedOutEv: translate.logged_out_event,
            TemporaryBanEv: lambda event: translate.temporary_ban_event(event, now()),
            ConnectFailureEv: translate.connect_failure_event,
            ClientOutdatedEv: lambda _: Failed(reason=translate.CLIENT_OUTDATED_REASON),
            StreamReplacedEv: lambda _: Failed(reason=translate.STREAM_REPLACED_REASON),
            DisconnectedEv: lambda _: Disconnected(
                reason=translate.CONNECTION_LOST_REASON, expected=False
            ),
            MessageEv: self._translate_message,
            ReceiptEv: translate.receipt_event,
            GroupInfoEv: notifications.group_info_events,
            JoinedGroupEv: lambda event: notifications.joined_group_event(
                event, self._account_jid, now()
            ),
            PresenceEv: lambda event: notifications.presence_event(event, now()),
            ChatPresenceEv: lambda event: notifications.chat_presence_event(event, now()),
            CallOfferEv: notifications.call_offer_event,
            CallOfferNoticeEv: notifications.call_offer_notice_event,
        }
        for event_type, translator in translators.items():
            client.event(event_type)(queue("event", translator))

    def _translate_message(self, event: neonize.Message) -> Translated:
        """Translate a message, and remember it so that a reply can quote it."""
        translated = translate.message_event(event)
        if isinstance(translated, MessageReceived) and not translated.edited:
            self._recent.remember(
                translated.wa_message_id, translated.sender, event.Message
            )
        return translated

    def _on_run_ended(self, attempt: int, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        with contextlib.suppress(asyncio.QueueFull):
            self._items.put_nowait(_Item(attempt, "ended", error))

    def _start_timer(self, attempt: int, seconds: float, name: str) -> None:
        loop = asyncio.get_running_loop()
        item = _Item(attempt, "deadline", name)
        self._timers.append(loop.call_later(seconds, self._items.put_nowait, item))

    # The pump handles the items of the current attempt, one at a time.

    def _wake_pump(self) -> None:
        """Let a pump waiting for items see that no client runs, so it ends."""
        with contextlib.suppress(asyncio.QueueFull):
            self._items.put_nowait(_Item(-1, "wake"))

    def _ensure_pump(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(
                self._run_pump(), name=f"whatsapp-{self._session_id}"
            )

    async def _run_pump(self) -> None:
        # The pump ends once no client runs; the next connect starts a new one.
        while self._state != "idle" or not self._items.empty():
            item = await self._items.get()
            if item.attempt != self._attempt or self._state == "idle":
                continue
            try:
                await self._handle(item)
            except Exception:
                logger.exception("whatsapp event handling failed", extra=self._log_extra)

    async def _handle(self, item: _Item) -> None:
        match item.kind:
            case "qr":
                await self._on_qr(item.payload)
            case "paired":
                await self._on_paired(item.payload)
            case "connected":
                await self._on_connected()
            case "event" if isinstance(item.payload, list):
                for event in item.payload:
                    await self._on_event(event)
            case "event":
                await self._on_event(item.payload)
            case "ended":
                await self._on_run_ended_item(item.payload)
            case "deadline":
                await self._on_deadline(item.payload)

    async def _on_qr(self, code: str) -> None:
        index = self._qr_count
        self._qr_count += 1
        if index == 0:
            self._cancel_timers()
            self._state = "pairing"
            self._start_timer(self._attempt, self._options.pairing_seconds, "pairing")
        if self._pairing_phone is None:
            await self._emit(
                QrChanged(code=code, expires_at=translate.qr_expiry(_now(), index))
            )
        elif index == 0:
            await self._request_pairing_code(self._pairing_phone)

    async def _request_pairing_code(self, phone: str) -> None:
        """Ask for a code to type on the phone; whatsmeow allows it after the first QR."""
        client = self._client
        assert client is not None
        try:
            code = await client.PairPhone(phone, True)
        except Exception as error:
            reason = f"requesting a pairing code failed: {connect_error_reason(error)}"
            await self._fail(reason)
            return
        logger.info(
            "whatsapp pairing code issued",
            extra={**self._log_extra, "phone": mask_phone(phone)},
        )
        expires_at = _now() + timedelta(seconds=self._options.pairing_seconds)
        await self._emit(PairingCodeIssued(code=code, expires_at=expires_at))

    async def _on_paired(self, event: neonize.PairStatus) -> None:
        if event.Status == neonize.PairStatus.ERROR:
            await self._fail(f"pairing failed: {event.Error or 'no reason given'}")
            return
        self._paired_jid = event.ID

    async def _on_connected(self) -> None:
        client = self._client
        assert client is not None
        try:
            account = translate.account_from(client.me, self._paired_jid)
        except ValueError as error:
            await self._fail(str(error))
            return
        self._cancel_timers()
        self._state = "connected"
        self._has_connected = True
        self._account_jid = account.jid
        await self._save_store()
        logger.info("whatsapp session connected", extra=self._log_extra)
        await self._emit(Connected(account=account))

    async def _on_event(self, event: DriverEvent | None) -> None:
        match event:
            case None:
                return
            case LoggedOut():
                await self._end_client()
                await self._store.delete()
                logger.info("whatsapp device logged out", extra=self._log_extra)
            case Failed():
                await self._end_client()
                logger.warning(
                    "whatsapp session failed",
                    extra={**self._log_extra, "reason": event.reason},
                )
            case Disconnected():
                await self._end_client()
                if self._has_connected:
                    await self._save_store()
                logger.warning(
                    "whatsapp disconnected unexpectedly",
                    extra={**self._log_extra, "reason": event.reason},
                )
        await self._emit(event)

    async def _on_run_ended_item(self, error: BaseException | None) -> None:
        reason = (
            connect_error_reason(error)
            if error is not None
            else "the WhatsApp client stopped by itself"
        )
        await self._on_event(Disconnected(reason=reason, expected=False))

    async def _on_deadline(self, name: str) -> None:
        if name == "pairing":
            seconds = self._options.pairing_seconds
            await self._fail(
                f"pairing timed out: no phone scanned a QR code or entered the "
                f"pairing code within {seconds:g} s"
            )
            return
        seconds = self._options.connect_seconds
        reason = f"WhatsApp did not answer within {seconds:g} s"
        await self._on_event(Disconnected(reason=reason, expected=False))

    async def _fail(self, reason: str) -> None:
        await self._on_event(Failed(reason=reason))

    # Client lifecycle.

    async def _end_client(self) -> None:
        """Stop the current client, if any, and drop its later events."""
        self._cancel_timers()
        self._state = "idle"
        self._attempt += 1
        client, self._client = self._client, None
        task, self._run_task = self._run_task, None
        if client is None:
            return
        try:
            async with asyncio.timeout(CLIENT_STOP_SECONDS):
                await self._no_calls_in_flight.wait()
        except TimeoutError:
            logger.warning(
                "whatsapp client stopped with calls in flight",
                extra={**self._log_extra, "calls": self._calls_in_flight},
            )
        await self._stop_in_go(client)
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=CLIENT_STOP_SECONDS)
            if not done:
                # A client that the Go side registered only after the first stop
                # is reached by a second one.
                logger.warning("whatsapp client still running", extra=self._log_extra)
                await self._stop_in_go(client)
        # The finalizer would call into Go again when the object is collected.
        client._stop_finalizer.detach()

    async def _stop_in_go(self, client: NewAClient) -> None:
        async with lifecycle_lock():
            try:
                await client.stop()  # type: ignore[no-untyped-call]
            except Exception as error:
                logger.warning(
                    "whatsapp client did not stop cleanly",
                    extra={**self._log_extra, "error": repr(error)},
                )

    async def _save_store(self) -> None:
        try:
            await self._store.save()
        except StoreSnapshotError as error:
            logger.warning(
                "whatsapp device store not saved",
                extra={**self._log_extra, "error": str(error)},
            )

    def _cancel_timers(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    async def _emit(self, event: DriverEvent) -> None:
        await self._listener.on_driver_event(event)


def _new_client(store_path: str, uuid: str) -> NewAClient:
    return NewAClient(store_path, uuid=uuid)


def _now() -> datetime:
    return datetime.now(UTC)

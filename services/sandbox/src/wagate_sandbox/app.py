"""The sandbox's components wired together on open connections."""

from __future__ import annotations

import logging

from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_sandbox.database import SequenceCounter, ensure_sandbox_indexes
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.group_changes import GroupChanges
from wagate_sandbox.groups import GroupRepository
from wagate_sandbox.inbox import InboxRepository
from wagate_sandbox.network import NetworkHandlers
from wagate_sandbox.pairing import PairingManager
from wagate_sandbox.pending import PendingRepository
from wagate_sandbox.phone_actions import PhoneActionHandlers
from wagate_sandbox.phone_messages import PhoneMessageRepository
from wagate_sandbox.phones import PhoneHandlers
from wagate_sandbox.pushes import PushSender
from wagate_sandbox.router import Handler, RequestRouter
from wagate_sandbox.sending import SendHandler
from wagate_sandbox.session_requests import SessionRequestHandlers
from wagate_sandbox.settings import SandboxSettings

logger = logging.getLogger(__name__)


class SandboxService:
    """Serves the simulated network's requests until stopped.

    The caller owns ``infra``: the service neither opens nor closes it, so
    tests and the whole-stack suite can run it in their own process. Run one
    instance per deployment: pairings and per-session ordering live in memory.
    """

    def __init__(self, settings: SandboxSettings, infra: Infrastructure) -> None:
        self._settings = settings
        self._infra = infra
        sequence = SequenceCounter(infra.db)
        devices = DeviceRepository(infra.db)
        inbox = InboxRepository(infra.db, sequence)
        groups = GroupRepository(infra.db)
        pusher = PushSender(infra.nats, settings.push_timeout_seconds)
        delivery = MessageDelivery(devices, PendingRepository(infra.db, sequence), pusher)
        self._pairing = PairingManager(devices, pusher, settings)

        phone_messages = PhoneMessageRepository(infra.db)
        changes = GroupChanges(groups, devices, delivery)

        network = NetworkHandlers(devices, self._pairing, delivery)
        sender = SendHandler(devices, inbox, changes, delivery)
        requests = SessionRequestHandlers(devices, inbox, groups, phone_messages, changes)
        phones = PhoneHandlers(
            devices, inbox, groups, self._pairing, delivery, pusher, phone_messages
        )
        actions = PhoneActionHandlers(devices, inbox, phone_messages, changes, delivery)
        handlers: dict[str, Handler] = {
            subjects.sandbox_net("connect"): network.connect,
            subjects.sandbox_net("disconnect"): network.disconnect,
            subjects.sandbox_net("logout"): network.logout,
            subjects.sandbox_net("send"): sender.send,
            subjects.sandbox_net("read"): requests.read,
            subjects.sandbox_net("presence"): requests.presence,
            subjects.sandbox_net("contacts"): requests.contacts,
            subjects.sandbox_net("contact"): requests.contact,
            subjects.sandbox_net("check"): requests.check,
            subjects.sandbox_net("picture"): requests.picture,
            subjects.sandbox_net("groups"): requests.groups,
            subjects.sandbox_net("group"): requests.group,
            subjects.sandbox_net("group_create"): requests.group_create,
            subjects.sandbox_net("group_update"): requests.group_update,
            subjects.sandbox_net("participants"): requests.participants,
            subjects.sandbox_net("invite"): requests.invite,
            subjects.sandbox_api("pair"): phones.pair,
            subjects.sandbox_api("message"): phones.message,
            subjects.sandbox_api("inbox"): phones.inbox,
            subjects.sandbox_api("receipt"): phones.receipt,
            subjects.sandbox_api("group"): phones.group,
            subjects.sandbox_api("logout"): phones.logout,
            subjects.sandbox_api("drop"): phones.drop,
            subjects.sandbox_api("reaction"): actions.reaction,
            subjects.sandbox_api("revoke"): actions.revoke,
            subjects.sandbox_api("presence"): actions.presence,
            subjects.sandbox_api("call"): actions.call,
            subjects.sandbox_api("participants"): actions.participants,
            subjects.sandbox_api("group_update"): actions.group_update,
        }
        self._router = RequestRouter(infra.nats, handlers)
        self._running = False

    @property
    def is_running(self) -> bool:
        """Whether the service is subscribed and handling requests."""
        return self._running

    async def start(self) -> None:
        """Create the indexes, subscribe the handlers, then release stale pairings."""
        await ensure_sandbox_indexes(self._infra.db)
        await self._router.start()
        self._running = True
        await self._pairing.recover()
        logger.info("sandbox started")

    async def stop(self) -> None:
        """Unsubscribe, let requests in flight finish briefly, stop pairings."""
        self._running = False
        await self._router.stop(self._settings.shutdown_grace_seconds)
        await self._pairing.stop()
        logger.info("sandbox stopped")

    async def readiness(self) -> dict[str, str]:
        """Return ``ok`` or the reason of failure for each dependency and the service."""
        checks = await self._infra.readiness()
        checks["sandbox"] = "ok" if self._running else "not running"
        return checks

"""Dependencies shared by every session runtime of one worker."""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client

from wagate_common.storage.auth import AuthStore
from wagate_common.storage.messages import MessageRepository
from wagate_common.storage.received import ReceivedRepository
from wagate_common.storage.sessions import SessionRepository
from wagate_worker.drivers.registry import DriverRegistry
from wagate_worker.events.publisher import EventPublisher
from wagate_worker.media.outgoing import OutgoingPreparer
from wagate_worker.sessions.starts import StartGate
from wagate_worker.settings import WorkerSettings


@dataclass(frozen=True)
class RuntimeContext:
    """The worker's settings, connections, repositories, drivers and media access."""

    settings: WorkerSettings
    nats: Client
    sessions: SessionRepository
    messages: MessageRepository
    received: ReceivedRepository
    auth: AuthStore
    publisher: EventPublisher
    drivers: DriverRegistry
    outgoing: OutgoingPreparer
    starts: StartGate

    @property
    def worker_id(self) -> str:
        """The id this worker writes into the records of its sessions."""
        return self.settings.worker_id

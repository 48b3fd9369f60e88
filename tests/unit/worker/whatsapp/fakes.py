"""Stand-ins for neonize's Go library, the AuthStore and the runtime.

``FakeGo`` replaces a real client's FFI handle (the object its methods call
through ``asyncio.to_thread``), so the real neonize Python code runs while no
Go session starts. Events go in through neonize's own dispatcher.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from typing import Any

from google.protobuf.message import Message
from neonize.aioze.client import NewAClient
from neonize.events import EVENT_TO_INT
from neonize.proto import Neonize_pb2 as neonize

from wagate_worker.drivers.base import DriverEvent


class FakeGo:
    """The Go functions the driver uses; ``Neonize`` blocks until ``Stop``."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.calls: list[str] = []
        self.connect_error = b""
        self.send_reply = neonize.SendMessageReturnFunction(
            SendResponse=neonize.SendResponse(ID="3EB0SENT", Timestamp=1_772_600_767)
        )
        self.sent: list[tuple[neonize.JID, Any]] = []

    def Neonize(self, *args: Any) -> bytes:
        self.calls.append("Neonize")
        if self.connect_error:
            return self.connect_error
        self.stopped.wait(30)
        return b""

    def Stop(self, uuid: bytes) -> None:
        self.calls.append("Stop")
        self.stopped.set()

    def Logout(self, uuid: bytes) -> bytes:
        self.calls.append("Logout")
        return b""

    def PairPhone(self, uuid: bytes, payload: bytes, size: int) -> bytes:
        params = neonize.PairPhoneParams.FromString(payload)
        self.calls.append(f"PairPhone {params.phone}")
        return bytes(
            neonize.PairPhoneReturnFunction(Code="ABCD-1234").SerializeToString()
        )

    def SendMessage(
        self, uuid: bytes, to: bytes, to_size: int, message: bytes, size: int
    ) -> bytes:
        from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

        self.sent.append((neonize.JID.FromString(to), wa_e2e.Message.FromString(message)))
        return bytes(self.send_reply.SerializePartialToString())


class AsyncFakeGo:
    """Runs each FakeGo call in a thread, as neonize's ``GoCode`` wrapper does."""

    def __init__(self, go: FakeGo) -> None:
        self._go = go

    def __getattr__(self, name: str) -> Any:
        function = getattr(self._go, name)

        def call(*args: Any) -> Any:
            return asyncio.to_thread(function, *args)

        return call


def fake_client_factory(go: FakeGo, created: list[NewAClient]) -> Any:
    def create(store_path: str, uuid: str) -> NewAClient:
        client = NewAClient(store_path, uuid=uuid)
        # The Go handle is name-mangled private state of neonize's client.
        client._NewAClient__client = AsyncFakeGo(go)  # type: ignore[attr-defined]
        created.append(client)
        return client

    return create


def feed(client: NewAClient, event: Message) -> None:
    """Hand ``event`` to neonize's dispatcher as the Go side does, as bytes."""
    data = event.SerializePartialToString()
    buffer = ctypes.create_string_buffer(data, len(data))
    client.event.execute(
        0, ctypes.addressof(buffer), len(data), EVENT_TO_INT[type(event)]
    )


def feed_qr(client: NewAClient, code: str) -> None:
    buffer = ctypes.create_string_buffer(code.encode())
    client._NewAClient__onQr(0, ctypes.addressof(buffer))  # type: ignore[attr-defined]


class MemoryAuthStore:
    """The AuthStore's three calls on a dict."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def load(self, session_id: str) -> bytes | None:
        return self.files.get(session_id)

    async def save(self, session_id: str, data: bytes) -> None:
        self.files[session_id] = data

    async def delete(self, session_id: str) -> None:
        self.files.pop(session_id, None)


class RecordingListener:
    def __init__(self) -> None:
        self.events: list[DriverEvent] = []
        self._changed = asyncio.Event()

    async def on_driver_event(self, event: DriverEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, kind: type[Any]) -> Any:
        """Return the first event of type ``kind``, waiting up to 10 s for it."""
        async with asyncio.timeout(10.0):
            while True:
                for event in self.events:
                    if isinstance(event, kind):
                        return event
                self._changed.clear()
                await self._changed.wait()

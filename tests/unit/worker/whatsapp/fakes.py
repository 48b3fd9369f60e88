"""Stand-ins for neonize's Go library, the AuthStore and the runtime.

``FakeGo`` replaces a real client's FFI handle (the object its methods call
through ``asyncio.to_thread``), so the real neonize Python code runs while no
Go session starts. Events go in through neonize's own dispatcher.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from pathlib import Path
from typing import Any, cast

from google.protobuf.message import Message
from neonize.aioze.client import NewAClient
from neonize.events import EVENT_TO_INT
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import Connected, DriverEvent
from wagate_worker.drivers.whatsapp import WhatsAppDriver, WhatsAppOptions

PHONE = "15550100001"


class FakeGo:
    """The Go functions the driver uses; ``Neonize`` blocks until ``Stop``."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.calls: list[str] = []
        self.connect_error = b""
        self.send_reply = neonize.SendMessageReturnFunction(
            SendResponse=neonize.SendResponse(ID="3EB0SENT", Timestamp=1_772_600_767)
        )
        self.sent: list[tuple[neonize.JID, wa_e2e.Message]] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: dict[str, Message] = {}
        self.errors: dict[str, str] = {}
        # A call named here waits in its thread until the event is set.
        self.gates: dict[str, threading.Event] = {}

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
        self.sent.append((neonize.JID.FromString(to), wa_e2e.Message.FromString(message)))
        return bytes(self.send_reply.SerializePartialToString())

    # Live requests. Each records its decoded arguments in ``requests`` and
    # returns ``replies[name]`` (or an empty reply), or the error text set
    # in ``errors[name]``.

    def _reply(self, name: str, reply: type[Message]) -> bytes:
        error = self.errors.get(name)
        result = reply(Error=error) if error else self.replies.get(name, reply())
        return bytes(result.SerializePartialToString())

    def _error(self, name: str) -> bytes:
        return self.errors.get(name, "").encode()

    def _record(self, function: str, **arguments: Any) -> None:
        self.requests.append((function, arguments))

    def Upload(self, uuid: bytes, data: bytes, size: int, media_type: int) -> bytes:
        self._record("Upload", data=data, media_type=media_type)
        return self._reply("Upload", neonize.UploadReturnFunction)

    def BuildPollVoteCreation(
        self, uuid: bytes, name: bytes, options: bytes, size: int, selectable: int
    ) -> bytes:
        self._record(
            "BuildPollVoteCreation",
            name=name.decode(),
            options=list(neonize.ArrayString.FromString(options).data),
            selectable=selectable,
        )
        return self._reply("BuildPollVoteCreation", neonize.BuildMessageReturnFunction)

    def MarkRead(
        self,
        uuid: bytes,
        ids: bytes,
        timestamp: int,
        chat: bytes,
        chat_size: int,
        sender: bytes,
        sender_size: int,
        receipt: bytes,
    ) -> bytes:
        self._record(
            "MarkRead",
            ids=ids.decode().split(" "),
            chat=neonize.JID.FromString(chat),
            sender=neonize.JID.FromString(sender),
            receipt=receipt,
        )
        return self._error("MarkRead")

    def SendChatPresence(
        self, uuid: bytes, jid: bytes, size: int, state: int, media: int
    ) -> bytes:
        self._record(
            "SendChatPresence", jid=neonize.JID.FromString(jid), state=state, media=media
        )
        return self._error("SendChatPresence")

    def SendPresence(self, uuid: bytes, presence: bytes) -> bytes:
        self._record("SendPresence", presence=presence)
        return self._error("SendPresence")

    def GetAllContacts(self, uuid: bytes) -> bytes:
        self._record("GetAllContacts")
        gate = self.gates.get("GetAllContacts")
        if gate is not None:
            gate.wait(10)
        self.calls.append("GetAllContacts returned")
        return self._reply("GetAllContacts", neonize.ContactsGetAllContactsReturnFunction)

    def GetContact(self, uuid: bytes, jid: bytes, size: int) -> bytes:
        self._record("GetContact", jid=neonize.JID.FromString(jid))
        return self._reply("GetContact", neonize.ContactsGetContactReturnFunction)

    def IsOnWhatsApp(self, uuid: bytes, numbers: bytes, size: int) -> bytes:
        self._record("IsOnWhatsApp", numbers=numbers.decode().split(" "))
        return self._reply("IsOnWhatsApp", neonize.IsOnWhatsAppReturnFunction)

    def GetProfilePicture(
        self, uuid: bytes, jid: bytes, size: int, extra: bytes, extra_size: int
    ) -> bytes:
        self._record("GetProfilePicture", jid=neonize.JID.FromString(jid))
        return self._reply("GetProfilePicture", neonize.GetProfilePictureReturnFunction)

    def GetJoinedGroups(self, uuid: bytes) -> bytes:
        self._record("GetJoinedGroups")
        return self._reply("GetJoinedGroups", neonize.GetJoinedGroupsReturnFunction)

    def GetGroupInfo(self, uuid: bytes, jid: bytes, size: int) -> bytes:
        self._record("GetGroupInfo", jid=neonize.JID.FromString(jid))
        return self._reply("GetGroupInfo", neonize.GetGroupInfoReturnFunction)

    def GenerateMessageID(self, uuid: bytes) -> bytes:
        return b"3EB0CREATEKEY"

    def CreateGroup(self, uuid: bytes, request: bytes, size: int) -> bytes:
        self._record("CreateGroup", request=neonize.ReqCreateGroup.FromString(request))
        return self._reply("CreateGroup", neonize.GetGroupInfoReturnFunction)

    def SetGroupName(self, uuid: bytes, jid: bytes, size: int, name: Any) -> bytes:
        self._record(
            "SetGroupName", jid=neonize.JID.FromString(jid), name=name.value.decode()
        )
        return self._error("SetGroupName")

    def SetGroupTopic(
        self,
        uuid: bytes,
        jid: bytes,
        size: int,
        previous_id: bytes,
        new_id: bytes,
        topic: bytes,
    ) -> bytes:
        self._record(
            "SetGroupTopic",
            jid=neonize.JID.FromString(jid),
            previous_id=previous_id.decode(),
            new_id=new_id.decode(),
            topic=topic.decode(),
        )
        return self._error("SetGroupTopic")

    def SetGroupAnnounce(self, uuid: bytes, jid: bytes, size: int, value: bool) -> bytes:
        self._record("SetGroupAnnounce", jid=neonize.JID.FromString(jid), value=value)
        return self._error("SetGroupAnnounce")

    def SetGroupLocked(self, uuid: bytes, jid: bytes, size: int, value: bool) -> bytes:
        self._record("SetGroupLocked", jid=neonize.JID.FromString(jid), value=value)
        return self._error("SetGroupLocked")

    def UpdateGroupParticipants(
        self,
        uuid: bytes,
        jid: bytes,
        size: int,
        jids: bytes,
        jids_size: int,
        action: bytes,
    ) -> bytes:
        self._record(
            "UpdateGroupParticipants",
            jid=neonize.JID.FromString(jid),
            participants=list(neonize.JIDArray.FromString(jids).JIDS),
            action=action.decode(),
        )
        return self._reply(
            "UpdateGroupParticipants", neonize.UpdateGroupParticipantsReturnFunction
        )

    def GetGroupInviteLink(
        self, uuid: bytes, jid: bytes, size: int, revoke: bool
    ) -> bytes:
        self._record("GetGroupInviteLink", jid=neonize.JID.FromString(jid), revoke=revoke)
        return self._reply("GetGroupInviteLink", neonize.GetGroupInviteLinkReturnFunction)

    def DownloadAny(self, uuid: bytes, message: bytes, size: int) -> bytes:
        self._record("DownloadAny", message=wa_e2e.Message.FromString(message))
        return self._reply("DownloadAny", neonize.DownloadReturnFunction)


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
        # The contact store calls the Go library through its own handle.
        client.contact._ContactStore__client = AsyncFakeGo(go)  # type: ignore[attr-defined]
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


class Harness:
    """A WhatsApp driver of session ``s1`` whose clients run on a :class:`FakeGo`."""

    def __init__(self, tmp_path: Path, **options: Any) -> None:
        self.go = FakeGo()
        self.clients: list[NewAClient] = []
        self.auth = MemoryAuthStore()
        self.listener = RecordingListener()
        settings = {
            "data_dir": tmp_path,
            "connect_seconds": 10.0,
            "pairing_seconds": 10.0,
            "executor_threads": 16,
            **options,
        }
        self.driver = WhatsAppDriver(
            "s1",
            cast(AuthStore, self.auth),
            self.listener,
            WhatsAppOptions(**settings),
            client_factory=fake_client_factory(self.go, self.clients),
        )

    @property
    def client(self) -> NewAClient:
        return self.clients[-1]

    async def connect_paired(self) -> Connected:
        await self.driver.connect(None)
        feed(self.client, device())
        feed(self.client, neonize.Connected(status=True))
        return cast(Connected, await self.listener.wait_for(Connected))


def device() -> neonize.Device:
    return neonize.Device(
        JID=neonize.JID(User=PHONE, Server="s.whatsapp.net", Device=9),
        PushName="Shop",
        Initialized=True,
    )

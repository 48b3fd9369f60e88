"""The WhatsApp driver on neonize's Python client, with the Go side played offline.

The harness feeds the events whatsmeow would emit (QR codes, pair success,
connected, dropped, logged out, incoming messages) through neonize's own
dispatcher, and reads sends from what neonize hands to the Go library.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from neonize.aioze.client import NewAClient
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waCommon.WACommon_pb2 import MessageKey
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e
from neonize.utils.enum import ChatPresence, ChatPresenceMedia

from tests.contract.harness import SESSION_ID, Delivery, Incoming, Notice
from tests.contract.whatsapp_network import ContractGo, delivery_of, jid_text, user_jid
from tests.integration.sandbox.support import RecordingListener
from tests.unit.worker.whatsapp.fakes import fake_client_factory, feed, feed_qr
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import OutgoingMessage, SendResult
from wagate_worker.drivers.whatsapp import WhatsAppDriver, WhatsAppOptions

# neonize's chat presence and media codes, by the state the contract names.
_PRESENCE_STATES = {
    (
        ChatPresence.CHAT_PRESENCE_COMPOSING.value,
        ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT.value,
    ): "typing",
    (
        ChatPresence.CHAT_PRESENCE_COMPOSING.value,
        ChatPresenceMedia.CHAT_PRESENCE_MEDIA_AUDIO.value,
    ): "recording",
    (
        ChatPresence.CHAT_PRESENCE_PAUSED.value,
        ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT.value,
    ): "paused",
}
# The linked device's number on the account, as WhatsApp assigns it at pairing.
DEVICE_NUMBER = 7


class WhatsAppHarness:
    """A WhatsApp driver whose neonize clients run on a :class:`ContractGo`."""

    name = "whatsapp-offline"

    def __init__(self, data_dir: Path, auth: AuthStore) -> None:
        self._auth = auth
        self.go = ContractGo()
        self.clients: list[NewAClient] = []
        self.listener = RecordingListener()
        self.driver = WhatsAppDriver(
            SESSION_ID,
            auth,
            self.listener,
            WhatsAppOptions(
                data_dir=data_dir,
                connect_seconds=5.0,
                pairing_seconds=3.0,
                executor_threads=16,
            ),
            client_factory=fake_client_factory(self.go, self.clients),
        )
        self._qr_numbers = itertools.count(1)
        self._message_numbers = itertools.count(1)

    @property
    def client(self) -> NewAClient:
        return self.clients[-1]

    async def connect(self, pairing_phone: str | None = None) -> None:
        self.go.stopped.clear()
        started = len(self.clients)
        await self.driver.connect(pairing_phone)
        if len(self.clients) == started:
            return
        # whatsmeow resumes a device found in its store and shows a QR code
        # for an empty store. A pairing code can be requested after that QR.
        account = self._stored_account()
        if account is None:
            feed_qr(self.client, f"2@contract-qr-{next(self._qr_numbers)}")
            return
        phone, push_name = account
        self.go.me = phone
        feed(self.client, _device(phone, push_name))
        feed(self.client, neonize.Connected(status=True))

    async def scan_qr(self, phone: str, push_name: str | None) -> None:
        self._link(phone, push_name)

    async def enter_pairing_code(self, phone: str, push_name: str | None) -> None:
        self._link(phone, push_name)

    async def deliver_text(
        self, sender_phone: str, text: str, push_name: str | None = None
    ) -> Incoming:
        wa_message_id = f"3A{next(self._message_numbers):018X}"
        if push_name:
            # whatsmeow keeps the push names of incoming messages in its store.
            self.go.contacts[f"{sender_phone}@s.whatsapp.net"] = neonize.ContactInfo(
                Found=True, PushName=push_name
            )
        return self._feed_message(
            sender_phone, wa_message_id, wa_e2e.Message(conversation=text), push_name
        )

    async def deliver_image(
        self, sender_phone: str, data: bytes, caption: str
    ) -> Incoming:
        number = next(self._message_numbers)
        direct_path = f"/v/t62/contract-{number}.enc"
        self.go.hosted[direct_path] = data
        image = wa_e2e.ImageMessage(
            URL=f"https://mmg.whatsapp.net{direct_path}",
            directPath=direct_path,
            mediaKey=b"k" * 32,
            fileEncSHA256=b"e" * 32,
            fileSHA256=hashlib.sha256(data).digest(),
            fileLength=len(data),
            mimetype="image/png",
            caption=caption,
        )
        return self._feed_message(
            sender_phone, f"3A{number:018X}", wa_e2e.Message(imageMessage=image)
        )

    async def react(self, sender_phone: str, target: str, emoji: str) -> str:
        number = next(self._message_numbers)
        reaction = wa_e2e.ReactionMessage(
            key=MessageKey(
                remoteJID=f"{sender_phone}@s.whatsapp.net", fromMe=True, ID=target
            ),
            text=emoji,
            senderTimestampMS=int(time.time() * 1000),
        )
        incoming = self._feed_message(
            sender_phone, f"3A{number:018X}", wa_e2e.Message(reactionMessage=reaction)
        )
        return incoming.wa_message_id

    async def report_receipt(
        self, sender_phone: str, result: SendResult, status: Literal["delivered", "read"]
    ) -> None:
        source = neonize.MessageSource(
            Chat=user_jid(sender_phone), Sender=user_jid(sender_phone)
        )
        kind = neonize.Receipt.READ if status == "read" else neonize.Receipt.DELIVERED
        feed(
            self.client,
            neonize.Receipt(
                MessageSource=source,
                MessageIDs=[result.wa_message_id],
                Timestamp=int(time.time()),
                Type=kind,
            ),
        )

    async def notices(self, phone: str) -> list[Notice]:
        notices = []
        for function, arguments in self.go.requests:
            if function == "MarkRead" and arguments["chat"].User == phone:
                chat = jid_text(arguments["chat"])
                notices.append(Notice(kind="read", chat=chat, ids=arguments["ids"]))
            elif function == "SendChatPresence" and arguments["jid"].User == phone:
                state = _PRESENCE_STATES[(arguments["state"], arguments["media"])]
                chat = jid_text(arguments["jid"])
                notices.append(Notice(kind="presence", chat=chat, state=state))
        return notices

    async def delivered(self, message: OutgoingMessage, result: SendResult) -> Delivery:
        sent = self.go.sent_by_id.get(result.wa_message_id)
        assert sent is not None, f"the Go library never sent {result.wa_message_id}"
        return delivery_of(*sent)

    async def drop_connection(self) -> None:
        feed(self.client, neonize.Disconnected(status=True))

    async def unlink_from_phone(self) -> None:
        feed(
            self.client,
            neonize.LoggedOut(OnConnect=False, Reason=neonize.LOGGED_OUT),
        )

    async def forget_local_state(self) -> None:
        self.driver.store_path.unlink(missing_ok=True)

    async def auth_data(self) -> bytes | None:
        return await self._auth.load(SESSION_ID)

    async def close(self) -> None:
        self.go.stopped.set()
        await self.driver.disconnect()

    def _feed_message(
        self,
        sender_phone: str,
        wa_message_id: str,
        body: wa_e2e.Message,
        push_name: str | None = None,
    ) -> Incoming:
        """Feed a message of a one-to-one chat, stamped now in milliseconds."""
        milliseconds = int(time.time() * 1000)
        source = neonize.MessageSource(
            Chat=user_jid(sender_phone), Sender=user_jid(sender_phone)
        )
        info = neonize.MessageInfo(
            MessageSource=source,
            ID=wa_message_id,
            Pushname=push_name or "",
            Timestamp=milliseconds,
        )
        feed(self.client, neonize.Message(Info=info, Message=body))
        return Incoming(
            wa_message_id=wa_message_id,
            timestamp=datetime.fromtimestamp(milliseconds / 1000, UTC),
        )

    def _link(self, phone: str, push_name: str | None) -> None:
        """Pair the device as whatsmeow does: store it, then report it and connect."""
        self._write_store(phone, push_name)
        self.go.me = phone
        feed(
            self.client,
            neonize.PairStatus(
                ID=user_jid(phone, DEVICE_NUMBER), Status=neonize.PairStatus.SUCCESS
            ),
        )
        feed(self.client, _device(phone, push_name))
        feed(self.client, neonize.Connected(status=True))

    def _write_store(self, phone: str, push_name: str | None) -> None:
        path = self.driver.store_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as database:
            database.execute(
                "CREATE TABLE IF NOT EXISTS whatsmeow_device (jid TEXT, push_name TEXT)"
            )
            database.execute(
                "INSERT INTO whatsmeow_device VALUES (?, ?)",
                (f"{phone}.0:{DEVICE_NUMBER}@s.whatsapp.net", push_name or ""),
            )
        database.close()

    def _stored_account(self) -> tuple[str, str] | None:
        """Return the phone and push name of the device in the store, if any."""
        path = self.driver.store_path
        if not path.exists():
            return None
        try:
            with sqlite3.connect(path) as database:
                row = database.execute(
                    "SELECT jid, push_name FROM whatsmeow_device LIMIT 1"
                ).fetchone()
            database.close()
        except sqlite3.OperationalError:
            return None
        if row is None:
            return None
        jid, push_name = cast(tuple[str, str], row)
        return jid.split(".")[0], push_name


def _device(phone: str, push_name: str | None) -> neonize.Device:
    return neonize.Device(
        JID=user_jid(phone, DEVICE_NUMBER), PushName=push_name or "", Initialized=True
    )

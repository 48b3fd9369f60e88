"""The sandbox driver with the sandbox network's phones on the other side."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from tests.contract.harness import (
    SESSION_ID,
    DeliveredContact,
    Delivery,
    Incoming,
    Notice,
)
from tests.integration.sandbox.support import RecordingListener, ask_api, inbox_of
from wagate_common.broker import subjects
from wagate_common.infrastructure import Infrastructure
from wagate_common.jid import parse_jid
from wagate_common.schemas.commands import EditContent, ReactionContent, RevokeContent
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import OutgoingMessage, SendResult
from wagate_worker.drivers.sandbox import SandboxDriver


class SandboxHarness:
    """A sandbox driver whose phones are driven through the sandbox api requests."""

    name = "sandbox"

    def __init__(self, infra: Infrastructure, auth: AuthStore) -> None:
        self._infra = infra
        nats = infra.nats
        self._nats = nats
        self._auth = auth
        self.listener = RecordingListener()
        self.driver = SandboxDriver(
            SESSION_ID, nats, auth, self.listener, request_timeout_seconds=2.0
        )

    async def connect(self, pairing_phone: str | None = None) -> None:
        await self.driver.connect(pairing_phone)

    async def scan_qr(self, phone: str, push_name: str | None) -> None:
        await self._pair(phone, push_name)

    async def enter_pairing_code(self, phone: str, push_name: str | None) -> None:
        # The sandbox's pair request stands for both a scan and a typed code.
        await self._pair(phone, push_name)

    async def deliver_text(
        self, sender_phone: str, text: str, push_name: str | None = None
    ) -> Incoming:
        body = {"sessionId": SESSION_ID, "from": sender_phone, "text": text}
        if push_name is not None:
            body["pushName"] = push_name
        data = await self._ask("message", body)
        return Incoming(
            wa_message_id=str(data["waMessageId"]),
            timestamp=datetime.fromisoformat(str(data["timestamp"])),
        )

    async def deliver_image(
        self, sender_phone: str, data: bytes, caption: str
    ) -> Incoming:
        # A phone's media bytes live in the media object store, named in the push.
        name = f"sbx/contract-{hashlib.sha256(data).hexdigest()[:16]}"
        store = await self._infra.js.object_store(subjects.MEDIA_BUCKET)
        await store.put(name, data)
        media = {
            "mimetype": "image/png",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "object": name,
        }
        body = {
            "sessionId": SESSION_ID,
            "from": sender_phone,
            "type": "image",
            "media": media,
            "caption": caption,
        }
        data_reply = await self._ask("message", body)
        return Incoming(
            wa_message_id=str(data_reply["waMessageId"]),
            timestamp=datetime.fromisoformat(str(data_reply["timestamp"])),
        )

    async def react(self, sender_phone: str, target: str, emoji: str) -> str:
        body = {
            "sessionId": SESSION_ID,
            "from": sender_phone,
            "messageId": target,
            "emoji": emoji,
        }
        return str((await self._ask("reaction", body))["waMessageId"])

    async def report_receipt(
        self, sender_phone: str, result: SendResult, status: Literal["delivered", "read"]
    ) -> None:
        # The sandbox knows which phone received the message from its id.
        body = {
            "sessionId": SESSION_ID,
            "messageId": result.wa_message_id,
            "status": status,
        }
        await self._ask("receipt", body)

    async def notices(self, phone: str) -> list[Notice]:
        notices = []
        for item in await inbox_of(self._nats, phone):
            if item["type"] == "read":
                notices.append(Notice(kind="read", chat=item["to"], ids=item["readIds"]))
            elif item["type"] == "presence":
                notices.append(
                    Notice(kind="presence", chat=item["to"], state=item["presence"])
                )
        return notices

    async def delivered(self, message: OutgoingMessage, result: SendResult) -> Delivery:
        content = message.content
        if isinstance(content, EditContent | RevokeContent):
            # The sandbox applies an edit or revoke to the message it targets
            # and adds no inbox entry of its own.
            target = content.target
            item = await self._item(target.chat, target.wa_message_id)
            return _changed(
                item, "edit" if isinstance(content, EditContent) else "revoke"
            )
        chat = content.target.chat if isinstance(content, ReactionContent) else message.to
        return _delivery(await self._item(chat, result.wa_message_id))

    async def drop_connection(self) -> None:
        await self._ask("drop", {"sessionId": SESSION_ID})

    async def unlink_from_phone(self) -> None:
        await self._ask("logout", {"sessionId": SESSION_ID})

    async def forget_local_state(self) -> None:
        # The sandbox driver keeps its token in the AuthStore only.
        return

    async def auth_data(self) -> bytes | None:
        return await self._auth.load(SESSION_ID)

    async def close(self) -> None:
        await self.driver.disconnect()

    async def _pair(self, phone: str, push_name: str | None) -> None:
        await self._ask(
            "pair", {"sessionId": SESSION_ID, "phone": phone, "pushName": push_name}
        )

    async def _ask(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = await ask_api(self._nats, operation, body)
        assert reply.ok, reply.error
        data: dict[str, Any] = reply.data
        return data

    async def _item(self, chat: str, wa_message_id: str) -> dict[str, Any]:
        phone = parse_jid(chat).user
        items = [
            item
            for item in await inbox_of(self._nats, phone)
            if item["id"] == wa_message_id
        ]
        assert items, f"no inbox entry {wa_message_id} for phone {phone}"
        return items[0]


def _delivery(item: dict[str, Any]) -> Delivery:
    media = item["media"] or {}
    location = item["location"] or {}
    poll = item["poll"] or {}
    reaction = item["reaction"] or {}
    return Delivery(
        to=item["to"],
        type=item["type"],
        text=item["text"],
        caption=item["caption"],
        reply_to=item["replyTo"],
        mentions=list(item["mentions"]),
        mimetype=media.get("mimetype"),
        sha256=media.get("sha256"),
        ptt=bool(media.get("ptt")),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        place_name=location.get("name"),
        address=location.get("address"),
        contacts=[
            DeliveredContact(name=card["name"], phone=card["phone"])
            for card in item["contacts"]
        ],
        question=poll.get("question"),
        options=list(poll.get("options", [])),
        selectable=poll.get("selectable"),
        target=reaction.get("targetId"),
        emoji=reaction.get("emoji"),
    )


def _changed(item: dict[str, Any], change: str) -> Delivery:
    """Return an edited or revoked entry as the change it received, else as it is."""
    applied = item["edited"] if change == "edit" else item["revoked"]
    if not applied:
        return _delivery(item)
    text = item["text"] if item["text"] is not None else item["caption"]
    return Delivery(to=item["to"], type=change, text=text, target=item["id"])

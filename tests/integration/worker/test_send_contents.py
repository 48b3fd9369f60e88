"""Every content type reaches the driver as an OutgoingMessage; stored media too."""

from __future__ import annotations

import hashlib

import pytest

from tests.integration.worker.conftest import WorkerFactory
from tests.integration.worker.scripted import ScriptedNetwork
from tests.integration.worker.support import (
    RECIPIENT,
    create_session,
    queue_message,
    wait_for_events,
    wait_for_message_status,
    wait_for_status,
)
from wagate_common.broker import subjects
from wagate_common.broker.failed import FailedQueue, FailedQueueName
from wagate_common.infrastructure import Infrastructure
from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    EditContent,
    LocationContent,
    MediaContent,
    MessageContent,
    MessageTarget,
    PollContent,
    ReactionContent,
    RevokeContent,
    StoredMedia,
    TextContent,
)
from wagate_common.schemas.events import EventType
from wagate_common.schemas.sessions import DesiredStatus
from wagate_common.storage.auth import AuthStore

PHONE = "15550100001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TARGET = MessageTarget(wa_message_id="WA-TARGET", chat=RECIPIENT, from_me=True)

CONTENTS: list[MessageContent] = [
    TextContent(text="hello", mentions=[RECIPIENT], reply_to="WA-QUOTED"),
    LocationContent(latitude=52.52, longitude=13.405, name="Berlin", address="Mitte"),
    ContactsContent(contacts=[ContactCard(name="Ada", phone="15550100003")]),
    PollContent(question="Lunch?", options=["pizza", "soup"], multiple_answers=True),
    ReactionContent(target=TARGET, emoji="👍"),
    EditContent(target=TARGET, text="hello again"),
    RevokeContent(target=TARGET),
]


async def connected_worker(
    infra: Infrastructure, start_worker: WorkerFactory, session_id: str = "s1"
) -> None:
    await AuthStore(infra.db).save(session_id, PHONE.encode())
    await create_session(infra, session_id, desired=DesiredStatus.CONNECTED)
    await start_worker()
    await wait_for_status(infra, session_id, "connected")


async def put_object(infra: Infrastructure, name: str, data: bytes) -> None:
    store = await infra.js.object_store(subjects.MEDIA_BUCKET)
    await store.put(name, data)


def stored_image(name: str, data: bytes, sha256: str | None = None) -> MediaContent:
    return MediaContent(
        media_type="image",
        media=StoredMedia(
            name=name,
            size=len(data),
            sha256=sha256 or hashlib.sha256(data).hexdigest(),
            mimetype="image/png",
            filename="photo.png",
        ),
        caption="a photo",
    )


@pytest.mark.parametrize("content", CONTENTS, ids=lambda c: c.kind)
async def test_content_reaches_driver(
    infra: Infrastructure,
    start_worker: WorkerFactory,
    network: ScriptedNetwork,
    content: MessageContent,
) -> None:
    await connected_worker(infra, start_worker)

    command = await queue_message(infra, "s1", content)
    record = await wait_for_message_status(infra, command.message_id, "sent")
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_SENT)
    [sent] = network.sent

    assert sent.message.message_id == command.message_id
    assert sent.message.to == RECIPIENT
    assert sent.message.content == content
    assert sent.message.media is None
    assert sent.message.preview is None
    assert record["type"] == content.message_type
    assert event.data["type"] == content.message_type


async def test_stored_media_read_from_object_store(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)
    await put_object(infra, "out/s1/photo", PNG)

    content = stored_image("out/s1/photo", PNG)
    command = await queue_message(infra, "s1", content)
    await wait_for_message_status(infra, command.message_id, "sent")
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_SENT)
    [sent] = network.sent
    media = sent.message.media

    assert media is not None
    assert media.data == PNG
    assert media.mimetype == "image/png"
    assert media.filename == "photo.png"
    assert media.sha256 == hashlib.sha256(PNG).hexdigest()
    assert sent.message.content == content
    assert event.data["type"] == "image"


async def test_missing_object_fails_for_good(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)

    command = await queue_message(infra, "s1", stored_image("out/s1/gone", PNG))
    record = await wait_for_message_status(infra, command.message_id, "failed")
    [event] = await wait_for_events(infra, "s1", EventType.MESSAGE_FAILED)
    job = await FailedQueue(infra.js).get(FailedQueueName.MESSAGES, command.message_id)

    assert "no longer exists" in record["error"]
    assert "WAGATE_MEDIA_RETENTION_HOURS" in record["error"]
    assert event.data["error"] == record["error"]
    assert event.data["type"] == "image"
    assert job is not None
    assert network.sent == []


async def test_damaged_object_fails(
    infra: Infrastructure, start_worker: WorkerFactory, network: ScriptedNetwork
) -> None:
    await connected_worker(infra, start_worker)
    await put_object(infra, "out/s1/photo", PNG)

    content = stored_image("out/s1/photo", PNG, sha256="0" * 64)
    command = await queue_message(infra, "s1", content)
    record = await wait_for_message_status(infra, command.message_id, "failed")

    assert "SHA-256" in record["error"]
    assert network.sent == []

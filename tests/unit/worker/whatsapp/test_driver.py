"""The WhatsApp driver on neonize's real Python client with a fake Go library."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from tests.unit.worker.whatsapp.fakes import PHONE, Harness, feed, feed_qr
from wagate_common.schemas.commands import TextContent
from wagate_common.schemas.sessions import Account
from wagate_worker.drivers.base import (
    CallReceived,
    Connected,
    Disconnected,
    DriverRequestError,
    Failed,
    GroupParticipantsChanged,
    GroupUpdated,
    LoggedOut,
    MessageReceived,
    NotConnectedError,
    PairingCodeIssued,
    PresenceChanged,
    QrChanged,
    SendError,
    SendResult,
)
from wagate_worker.drivers.whatsapp import translate

QR = "2@AbCd,EfGh,IjKl,MnOp"


async def test_qr_code_reported_with_expiry(harness: Harness) -> None:
    await harness.driver.connect(None)
    feed_qr(harness.client, QR)

    event = await harness.listener.wait_for(QrChanged)

    assert event.code == QR
    assert 55 < (event.expires_at - datetime.now(UTC)).total_seconds() <= 60
    assert harness.driver.state == "pairing"


async def test_pairing_code_requested_after_first_qr(harness: Harness) -> None:
    await harness.driver.connect("+1 555 010 0001")
    feed_qr(harness.client, QR)

    event = await harness.listener.wait_for(PairingCodeIssued)

    assert event.code == "ABCD-1234"
    assert f"PairPhone {PHONE}" in harness.go.calls
    assert not [e for e in harness.listener.events if isinstance(e, QrChanged)]


async def test_connected_reports_account(harness: Harness) -> None:
    event = await harness.connect_paired()

    assert event == Connected(
        account=Account(jid=f"{PHONE}@s.whatsapp.net", phone=PHONE, push_name="Shop")
    )
    assert harness.driver.state == "connected"


async def test_connected_store_copied_to_auth_store(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    harness.driver.store_path.parent.mkdir(parents=True)
    with sqlite3.connect(harness.driver.store_path) as database:
        database.execute("CREATE TABLE whatsmeow_device (jid TEXT)")
        database.execute("INSERT INTO whatsmeow_device VALUES ('15550100001')")
    database.close()

    await harness.connect_paired()
    await harness.driver.disconnect()

    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(harness.auth.files["s1"])
    with sqlite3.connect(copy) as database:
        rows = database.execute("SELECT jid FROM whatsmeow_device").fetchall()
    database.close()
    assert rows == [("15550100001",)]


async def test_incoming_text_reported(harness: Harness) -> None:
    await harness.connect_paired()
    source = neonize.MessageSource(
        Chat=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
        Sender=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
    )
    info = neonize.MessageInfo(MessageSource=source, ID="3EB0IN", Timestamp=1000)
    feed(
        harness.client,
        neonize.Message(Info=info, Message=wa_e2e.Message(conversation="hi")),
    )

    event = await harness.listener.wait_for(MessageReceived)

    assert event.wa_message_id == "3EB0IN"
    assert event.text == "hi"


async def test_send_text_returns_whatsapp_id(harness: Harness) -> None:
    await harness.connect_paired()

    result = await harness.driver.send_text(
        "msg1", "+1 (555) 010-0002", TextContent(text="Your order shipped")
    )

    assert result == SendResult(
        wa_message_id="3EB0SENT", timestamp=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    )
    recipient, message = harness.go.sent[0]
    assert (recipient.User, recipient.Server) == ("15550100002", "s.whatsapp.net")
    assert message.conversation == "Your order shipped"


async def test_send_reply_with_mentions_builds_extended_text(harness: Harness) -> None:
    await harness.connect_paired()
    content = TextContent(
        text="@15550100003 look", reply_to="3EB0QUOTED", mentions=["+1 555 010 0003"]
    )

    await harness.driver.send_text("msg1", "15550100002", content)

    _, message = harness.go.sent[0]
    extended = message.extendedTextMessage
    assert extended.text == "@15550100003 look"
    assert extended.contextInfo.stanzaID == "3EB0QUOTED"
    assert list(extended.contextInfo.mentionedJID) == ["15550100003@s.whatsapp.net"]


async def test_send_error_from_whatsapp_mapped(harness: Harness) -> None:
    await harness.connect_paired()
    harness.go.send_reply = neonize.SendMessageReturnFunction(
        Error="can't send message to unknown server 'example'"
    )

    with pytest.raises(SendError) as raised:
        await harness.driver.send_text("msg1", PHONE, TextContent(text="hi"))

    assert raised.value.permanent
    assert "unknown server" in str(raised.value)


async def test_send_to_invalid_recipient_permanent(harness: Harness) -> None:
    await harness.connect_paired()

    with pytest.raises(SendError) as raised:
        await harness.driver.send_text("msg1", "not a number", TextContent(text="hi"))

    assert raised.value.permanent


async def test_send_while_not_connected_rejected(harness: Harness) -> None:
    with pytest.raises(NotConnectedError):
        await harness.driver.send_text("msg1", PHONE, TextContent(text="hi"))


async def test_failed_dial_reported_as_retryable_drop(harness: Harness) -> None:
    harness.go.connect_error = b"failed to dial whatsapp web websocket: no such host"

    await harness.driver.connect(None)
    event = await harness.listener.wait_for(Disconnected)

    assert event == Disconnected(
        reason="WhatsApp could not be reached: failed to dial whatsapp web "
        "websocket: no such host",
        expected=False,
    )
    assert harness.driver.state == "idle"
    assert "Stop" in harness.go.calls


async def test_silent_network_hits_connect_deadline(tmp_path: Path) -> None:
    harness = Harness(tmp_path, connect_seconds=0.2)

    await harness.driver.connect(None)
    event = await harness.listener.wait_for(Disconnected)

    assert event == Disconnected(
        reason="WhatsApp did not answer within 0.2 s", expected=False
    )
    assert harness.driver.state == "idle"


async def test_unscanned_qr_fails_after_pairing_deadline(tmp_path: Path) -> None:
    harness = Harness(tmp_path, pairing_seconds=0.2)
    await harness.driver.connect(None)
    feed_qr(harness.client, QR)

    event = await harness.listener.wait_for(Failed)

    assert event.reason.startswith("pairing timed out")
    assert harness.driver.state == "idle"


async def test_drop_stops_client_for_runtime_reconnect(harness: Harness) -> None:
    await harness.connect_paired()

    feed(harness.client, neonize.Disconnected(status=True))
    event = await harness.listener.wait_for(Disconnected)

    assert event == Disconnected(
        reason="the connection to WhatsApp was lost", expected=False
    )
    assert harness.driver.state == "idle"
    assert "Stop" in harness.go.calls


async def test_reconnect_after_drop_starts_new_client(harness: Harness) -> None:
    await harness.connect_paired()
    feed(harness.client, neonize.Disconnected(status=True))
    await harness.listener.wait_for(Disconnected)
    harness.go.stopped.clear()
    harness.listener.events.clear()

    await harness.connect_paired()

    assert len(harness.clients) == 2
    assert harness.clients[0].uuid != harness.clients[1].uuid


async def test_stream_replaced_fails_session(harness: Harness) -> None:
    await harness.connect_paired()

    feed(harness.client, neonize.StreamReplaced())
    event = await harness.listener.wait_for(Failed)

    assert "another client connected" in event.reason
    assert harness.driver.state == "idle"


async def test_phone_unlink_deletes_store(harness: Harness) -> None:
    await harness.connect_paired()
    harness.auth.files["s1"] = b"SQLite format 3\x00old"
    harness.driver.store_path.write_bytes(b"local")

    feed(harness.client, neonize.LoggedOut(OnConnect=False, Reason=neonize.LOGGED_OUT))
    event = await harness.listener.wait_for(LoggedOut)

    assert event == LoggedOut(reason="the phone unlinked this device")
    assert "s1" not in harness.auth.files
    assert not harness.driver.store_path.exists()


async def test_logout_unlinks_and_deletes_store(harness: Harness) -> None:
    await harness.connect_paired()
    harness.auth.files["s1"] = b"SQLite format 3\x00old"

    await harness.driver.logout()

    assert "Logout" in harness.go.calls
    assert "s1" not in harness.auth.files
    assert harness.listener.events[-1] == LoggedOut(reason="logged out on request")


async def test_disconnect_reports_expected_drop(harness: Harness) -> None:
    await harness.connect_paired()

    await harness.driver.disconnect()

    assert harness.listener.events[-1] == Disconnected(
        reason="disconnected on request", expected=True
    )
    assert harness.driver.state == "idle"


async def test_events_of_stopped_client_ignored(harness: Harness) -> None:
    await harness.connect_paired()
    old_client = harness.client
    await harness.driver.disconnect()
    count = len(harness.listener.events)

    feed(old_client, neonize.StreamReplaced())
    await harness.driver.disconnect()

    assert len(harness.listener.events) == count


async def test_handler_error_logged_and_survived(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: neonize.Message) -> None:
        raise RuntimeError("translation bug")

    monkeypatch.setattr(translate, "message_event", broken)
    await harness.connect_paired()

    source = neonize.MessageSource(
        Chat=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
        Sender=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
    )
    info = neonize.MessageInfo(MessageSource=source, ID="3EB0IN", Timestamp=1000)
    feed(harness.client, neonize.Message(Info=info, Message=wa_e2e.Message()))
    feed(harness.client, neonize.StreamReplaced())
    await harness.listener.wait_for(Failed)

    failures = [r for r in caplog.records if r.message == "whatsapp event handler failed"]
    assert len(failures) == 1
    assert getattr(failures[0], "session_id", None) == "s1"
    assert not [e for e in harness.listener.events if isinstance(e, MessageReceived)]


async def test_group_change_reported_as_two_events(harness: Harness) -> None:
    await harness.connect_paired()
    group = neonize.JID(User="120363012345678901", Server="g.us")

    feed(
        harness.client,
        neonize.GroupInfoEvent(
            JID=group,
            Timestamp=1_772_600_767,
            Join=[neonize.JID(User="15550100002", Server="s.whatsapp.net")],
            Name=neonize.GroupName(Name="Launch team"),
        ),
    )
    update = await harness.listener.wait_for(GroupUpdated)

    changes = [
        e for e in harness.listener.events if isinstance(e, GroupParticipantsChanged)
    ]
    assert [change.participants for change in changes] == [["15550100002@s.whatsapp.net"]]
    assert harness.listener.events.index(changes[0]) < harness.listener.events.index(
        update
    )
    assert update.subject == "Launch team"


async def test_presence_typing_and_call_reported(harness: Harness) -> None:
    await harness.connect_paired()
    caller = neonize.JID(User="15550100002", Server="s.whatsapp.net")

    feed(
        harness.client,
        neonize.ChatPresence(
            MessageSource=neonize.MessageSource(Chat=caller, Sender=caller),
            State=neonize.ChatPresence.COMPOSING,
            Media=neonize.ChatPresence.TEXT,
        ),
    )
    feed(
        harness.client,
        neonize.CallOffer(
            basicCallMeta=neonize.BasicCallMeta(
                callCreator=caller, callID="CALL1", timestamp=1_772_600_767
            ),
            data=neonize.Node(Tag="offer", Nodes=[neonize.Node(Tag="video")]),
        ),
    )
    call = await harness.listener.wait_for(CallReceived)
    presence = await harness.listener.wait_for(PresenceChanged)

    assert (presence.sender, presence.state) == ("15550100002@s.whatsapp.net", "typing")
    assert (call.call_id, call.video) == ("CALL1", True)


async def test_message_from_phone_reported(harness: Harness) -> None:
    await harness.connect_paired()
    source = neonize.MessageSource(
        Chat=neonize.JID(User="15550100002", Server="s.whatsapp.net"),
        Sender=neonize.JID(User=PHONE, Server="s.whatsapp.net"),
        IsFromMe=True,
    )
    info = neonize.MessageInfo(MessageSource=source, ID="3EB0MINE", Timestamp=1000)
    feed(
        harness.client,
        neonize.Message(Info=info, Message=wa_e2e.Message(conversation="from phone")),
    )

    event = await harness.listener.wait_for(MessageReceived)

    assert event.from_me
    assert event.text == "from phone"


async def test_stop_waits_for_store_read_in_flight(harness: Harness) -> None:
    await harness.connect_paired()
    gate = threading.Event()
    harness.go.gates["GetAllContacts"] = gate
    listing = asyncio.create_task(harness.driver.list_contacts())
    await wait_for_call(harness, "GetAllContacts")

    stopping = asyncio.create_task(harness.driver.disconnect())
    await asyncio.wait({stopping}, timeout=0.5)
    stopped_early = "Stop" in harness.go.calls
    gate.set()
    await stopping
    contacts = await listing

    assert not stopped_early
    assert contacts == []
    calls = harness.go.calls
    assert calls.index("GetAllContacts returned") < calls.index("Stop")


async def test_requests_rejected_while_stopping(harness: Harness) -> None:
    await harness.connect_paired()
    gate = threading.Event()
    harness.go.gates["GetAllContacts"] = gate
    listing = asyncio.create_task(harness.driver.list_contacts())
    await wait_for_call(harness, "GetAllContacts")
    stopping = asyncio.create_task(harness.driver.disconnect())
    await asyncio.sleep(0)

    with pytest.raises(DriverRequestError) as raised:
        await harness.driver.list_groups()
    gate.set()
    await stopping
    await listing

    assert raised.value.code == "SESSION_NOT_CONNECTED"


async def wait_for_call(harness: Harness, function: str) -> None:
    """Wait up to 10 s until the fake Go library received a call of ``function``."""
    # The call happens in a thread of the fake Go library, which has no event
    # to await, so this polls.
    async with asyncio.timeout(10):
        while True:
            if any(name == function for name, _ in harness.go.requests):
                return
            await asyncio.sleep(0.01)


async def test_account_added_to_group_reported(harness: Harness) -> None:
    await harness.connect_paired()

    feed(
        harness.client,
        neonize.JoinedGroup(
            GroupInfo=neonize.GroupInfo(
                JID=neonize.JID(User="120363012345678901", Server="g.us")
            )
        ),
    )
    event = await harness.listener.wait_for(GroupParticipantsChanged)

    assert event.group == "120363012345678901@g.us"
    assert (event.action, event.participants) == ("add", [f"{PHONE}@s.whatsapp.net"])

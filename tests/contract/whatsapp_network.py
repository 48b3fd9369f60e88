"""An offline WhatsApp network behind neonize, for the driver contract suite.

:class:`ContractGo` extends the unit tests' ``FakeGo`` with what whatsmeow and
WhatsApp's servers would return: a new id per sent message, uploads with the
real SHA-256 of their bytes, polls built from their arguments, a contact store
filled from incoming push names, and a group directory. Phone numbers ending
in 0000 are not on WhatsApp, as in the sandbox.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

from google.protobuf.message import Message
from neonize.proto import Neonize_pb2 as neonize
from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as wa_e2e

from tests.contract.harness import DeliveredContact, Delivery
from tests.unit.worker.whatsapp.fakes import FakeGo
from wagate_common.vcard import phone_of_vcard

USER_SERVER = "s.whatsapp.net"
GROUP_SERVER = "g.us"
# whatsmeow's text of an info query for a group that does not exist.
GROUP_NOT_FOUND = "info query returned status 404: item-not-found"
# whatsmeow's per-participant code for a number that is not on WhatsApp.
NOT_ON_WHATSAPP_CODE = 404
_MEDIA_FIELDS = {
    "imageMessage": "image",
    "videoMessage": "video",
    "audioMessage": "audio",
    "documentMessage": "document",
    "stickerMessage": "sticker",
}
_POLL_FIELDS = ("pollCreationMessage", "pollCreationMessageV2", "pollCreationMessageV3")


def user_jid(digits: str, device: int = 0) -> neonize.JID:
    return neonize.JID(User=digits, Server=USER_SERVER, Device=device)


def jid_text(jid: neonize.JID) -> str:
    return f"{jid.User}@{jid.Server}"


def on_whatsapp(digits: str) -> bool:
    return not digits.endswith("0000")


class ContractGo(FakeGo):
    """``FakeGo`` with the replies of an offline WhatsApp network."""

    def __init__(self) -> None:
        super().__init__()
        self.me: str | None = None
        self.contacts: dict[str, neonize.ContactInfo] = {}
        self.groups: dict[str, neonize.GroupInfo] = {}
        self.invite_codes: dict[str, str] = {}
        # Media on WhatsApp's servers, by direct path.
        self.hosted: dict[str, bytes] = {}
        self.sent_by_id: dict[str, tuple[neonize.JID, wa_e2e.Message]] = {}
        self._ids = itertools.count(1)

    def SendMessage(
        self, uuid: bytes, to: bytes, to_size: int, message: bytes, size: int
    ) -> bytes:
        recipient = neonize.JID.FromString(to)
        body = wa_e2e.Message.FromString(message)
        wa_message_id = f"3EB0{next(self._ids):016X}"
        self.sent.append((recipient, body))
        self.sent_by_id[wa_message_id] = (recipient, body)
        reply = neonize.SendMessageReturnFunction(
            SendResponse=neonize.SendResponse(
                ID=wa_message_id, Timestamp=int(time.time())
            )
        )
        return bytes(reply.SerializePartialToString())

    def Upload(self, uuid: bytes, data: bytes, size: int, media_type: int) -> bytes:
        self._record("Upload", data=data, media_type=media_type)
        response = neonize.UploadResponse(
            url="https://mmg.whatsapp.net/v/t62/contract.enc",
            DirectPath="/v/t62/contract.enc",
            MediaKey=b"k" * 32,
            FileEncSHA256=b"e" * 32,
            FileSHA256=hashlib.sha256(data).digest(),
            FileLength=len(data),
        )
        return _serialized(neonize.UploadReturnFunction(UploadResponse=response))

    def BuildPollVoteCreation(
        self, uuid: bytes, name: bytes, options: bytes, size: int, selectable: int
    ) -> bytes:
        Option = wa_e2e.PollCreationMessage.Option
        poll = wa_e2e.PollCreationMessage(
            name=name.decode(),
            options=[
                Option(optionName=option)
                for option in neonize.ArrayString.FromString(options).data
            ],
            selectableOptionsCount=selectable,
        )
        built = wa_e2e.Message(
            pollCreationMessage=poll,
            messageContextInfo=wa_e2e.MessageContextInfo(messageSecret=b"s" * 32),
        )
        return _serialized(neonize.BuildMessageReturnFunction(Message=built))

    def GetAllContacts(self, uuid: bytes) -> bytes:
        contacts = [
            neonize.Contact(JID=user_jid(jid.split("@")[0]), Info=info)
            for jid, info in self.contacts.items()
        ]
        return _serialized(neonize.ContactsGetAllContactsReturnFunction(Contact=contacts))

    def GetContact(self, uuid: bytes, jid: bytes, size: int) -> bytes:
        contact_jid = jid_text(neonize.JID.FromString(jid))
        info = self.contacts.get(contact_jid, neonize.ContactInfo(Found=False))
        return _serialized(neonize.ContactsGetContactReturnFunction(ContactInfo=info))

    def IsOnWhatsApp(self, uuid: bytes, numbers: bytes, size: int) -> bytes:
        answers = []
        for number in numbers.decode().split(" "):
            digits = number.lstrip("+")
            answers.append(
                neonize.IsOnWhatsAppResponse(
                    Query=number, JID=user_jid(digits), IsIn=on_whatsapp(digits)
                )
            )
        return _serialized(
            neonize.IsOnWhatsAppReturnFunction(IsOnWhatsAppResponse=answers)
        )

    def CreateGroup(self, uuid: bytes, request: bytes, size: int) -> bytes:
        creation = neonize.ReqCreateGroup.FromString(request)
        assert self.me is not None, "the account must be paired to create a group"
        group = neonize.JID(
            User=f"120363{len(self.groups) + 1:012d}", Server=GROUP_SERVER
        )
        owner = user_jid(self.me)
        info = neonize.GroupInfo(
            JID=group,
            OwnerJID=owner,
            GroupName=neonize.GroupName(Name=creation.name),
            GroupCreated=int(time.time()),
            Participants=[
                neonize.GroupParticipant(JID=owner, IsAdmin=True, IsSuperAdmin=True)
            ],
        )
        for jid in creation.Participants:
            if on_whatsapp(jid.User):
                info.Participants.append(neonize.GroupParticipant(JID=user_jid(jid.User)))
        self.groups[jid_text(group)] = info
        return _serialized(neonize.GetGroupInfoReturnFunction(GroupInfo=info))

    def GetJoinedGroups(self, uuid: bytes) -> bytes:
        groups = list(self.groups.values())
        return _serialized(neonize.GetJoinedGroupsReturnFunction(Group=groups))

    def GetGroupInfo(self, uuid: bytes, jid: bytes, size: int) -> bytes:
        info = self.groups.get(jid_text(neonize.JID.FromString(jid)))
        if info is None:
            return _serialized(neonize.GetGroupInfoReturnFunction(Error=GROUP_NOT_FOUND))
        return _serialized(neonize.GetGroupInfoReturnFunction(GroupInfo=info))

    def SetGroupName(self, uuid: bytes, jid: bytes, size: int, name: Any) -> bytes:
        info = self.groups.get(jid_text(neonize.JID.FromString(jid)))
        if info is None:
            return GROUP_NOT_FOUND.encode()
        info.GroupName.Name = name.value.decode()
        return b""

    def SetGroupTopic(
        self,
        uuid: bytes,
        jid: bytes,
        size: int,
        previous_id: bytes,
        new_id: bytes,
        topic: bytes,
    ) -> bytes:
        info = self.groups.get(jid_text(neonize.JID.FromString(jid)))
        if info is None:
            return GROUP_NOT_FOUND.encode()
        info.GroupTopic.Topic = topic.decode()
        return b""

    def SetGroupAnnounce(self, uuid: bytes, jid: bytes, size: int, value: bool) -> bytes:
        info = self.groups.get(jid_text(neonize.JID.FromString(jid)))
        if info is None:
            return GROUP_NOT_FOUND.encode()
        info.GroupAnnounce.IsAnnounce = value
        return b""

    def SetGroupLocked(self, uuid: bytes, jid: bytes, size: int, value: bool) -> bytes:
        info = self.groups.get(jid_text(neonize.JID.FromString(jid)))
        if info is None:
            return GROUP_NOT_FOUND.encode()
        info.GroupLocked.isLocked = value
        return b""

    def UpdateGroupParticipants(
        self,
        uuid: bytes,
        jid: bytes,
        size: int,
        jids: bytes,
        jids_size: int,
        action: bytes,
    ) -> bytes:
        info = self.groups.get(jid_text(neonize.JID.FromString(jid)))
        if info is None:
            return _serialized(
                neonize.UpdateGroupParticipantsReturnFunction(Error=GROUP_NOT_FOUND)
            )
        assert action == b"add", "the offline network only adds participants"
        rows = []
        for person in neonize.JIDArray.FromString(jids).JIDS:
            if not on_whatsapp(person.User):
                rows.append(
                    neonize.GroupParticipant(
                        JID=user_jid(person.User), Error=NOT_ON_WHATSAPP_CODE
                    )
                )
                continue
            member = neonize.GroupParticipant(JID=user_jid(person.User))
            info.Participants.append(member)
            rows.append(member)
        return _serialized(
            neonize.UpdateGroupParticipantsReturnFunction(participants=rows)
        )

    def GetGroupInviteLink(
        self, uuid: bytes, jid: bytes, size: int, revoke: bool
    ) -> bytes:
        group = jid_text(neonize.JID.FromString(jid))
        if group not in self.groups:
            return _serialized(
                neonize.GetGroupInviteLinkReturnFunction(Error=GROUP_NOT_FOUND)
            )
        if revoke or group not in self.invite_codes:
            self.invite_codes[group] = f"Contract{next(self._ids):014d}"
        link = f"https://chat.whatsapp.com/{self.invite_codes[group]}"
        return _serialized(neonize.GetGroupInviteLinkReturnFunction(InviteLink=link))

    def DownloadAny(self, uuid: bytes, message: bytes, size: int) -> bytes:
        image = wa_e2e.Message.FromString(message).imageMessage
        data = self.hosted.get(image.directPath)
        if data is None:
            return _serialized(
                neonize.DownloadReturnFunction(
                    Error="download failed with status code 404"
                )
            )
        return _serialized(neonize.DownloadReturnFunction(Binary=data))


def delivery_of(recipient: neonize.JID, message: wa_e2e.Message) -> Delivery:
    """Return what a sent protobuf carries, in the suite's terms."""
    to = jid_text(recipient)
    if message.HasField("conversation"):
        return Delivery(to=to, type="text", text=message.conversation)
    if message.HasField("extendedTextMessage"):
        extended = message.extendedTextMessage
        return Delivery(
            to=to,
            type="text",
            text=extended.text,
            **_context_fields(extended.contextInfo),
        )
    for name, media_type in _MEDIA_FIELDS.items():
        if message.HasField(name):  # type: ignore[arg-type]
            return _media_delivery(to, media_type, getattr(message, name))
    if message.HasField("locationMessage"):
        location = message.locationMessage
        return Delivery(
            to=to,
            type="location",
            latitude=location.degreesLatitude,
            longitude=location.degreesLongitude,
            place_name=location.name or None,
            address=location.address or None,
            **_context_fields(location.contextInfo),
        )
    if message.HasField("contactMessage"):
        card = message.contactMessage
        return Delivery(
            to=to,
            type="contact",
            contacts=[_contact(card)],
            **_context_fields(card.contextInfo),
        )
    if message.HasField("contactsArrayMessage"):
        cards = message.contactsArrayMessage
        return Delivery(
            to=to,
            type="contact",
            contacts=[_contact(card) for card in cards.contacts],
            **_context_fields(cards.contextInfo),
        )
    for name in _POLL_FIELDS:
        if message.HasField(name):  # type: ignore[arg-type]
            poll = getattr(message, name)
            return Delivery(
                to=to,
                type="poll",
                question=poll.name,
                options=[option.optionName for option in poll.options],
                selectable=poll.selectableOptionsCount,
            )
    if message.HasField("reactionMessage"):
        reaction = message.reactionMessage
        return Delivery(
            to=to, type="reaction", target=reaction.key.ID, emoji=reaction.text
        )
    if message.HasField("editedMessage"):
        protocol = message.editedMessage.message.protocolMessage
        if protocol.type == wa_e2e.ProtocolMessage.MESSAGE_EDIT:
            edited = protocol.editedMessage
            text = edited.conversation or edited.extendedTextMessage.text or None
            return Delivery(to=to, type="edit", text=text, target=protocol.key.ID)
    if message.HasField("protocolMessage"):
        protocol = message.protocolMessage
        if protocol.type == wa_e2e.ProtocolMessage.REVOKE:
            return Delivery(to=to, type="revoke", target=protocol.key.ID)
    return Delivery(to=to, type="unknown")


def _media_delivery(to: str, media_type: str, media: Any) -> Delivery:
    fields = media.DESCRIPTOR.fields_by_name
    caption = media.caption if "caption" in fields and media.caption else None
    return Delivery(
        to=to,
        type=media_type,
        caption=caption,
        mimetype=media.mimetype,
        sha256=media.fileSHA256.hex(),
        ptt=bool(media.PTT) if "PTT" in fields else False,
        **_context_fields(media.contextInfo),
    )


def _context_fields(context: wa_e2e.ContextInfo) -> dict[str, Any]:
    return {
        "reply_to": context.stanzaID or None,
        "mentions": list(context.mentionedJID),
    }


def _contact(card: wa_e2e.ContactMessage) -> DeliveredContact:
    return DeliveredContact(name=card.displayName, phone=phone_of_vcard(card.vcard))


def _serialized(reply: Message) -> bytes:
    return bytes(reply.SerializePartialToString())

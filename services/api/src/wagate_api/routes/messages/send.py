"""Routes that send new messages: text, media, location, contact cards and polls."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter

from wagate_api.context import ApiContext
from wagate_api.media import MediaStore, decode_media, outgoing_object_name
from wagate_api.models.envelope import Envelope
from wagate_api.models.messages import (
    ContactMessageCreate,
    LocationMessageCreate,
    MediaInput,
    MediaMessageCreate,
    MessagePublic,
    PollMessageCreate,
    TextMessageCreate,
)
from wagate_api.routes.common import load_session
from wagate_api.routes.messages.sending import (
    SEND_RESPONSES,
    Caller,
    Context,
    Options,
    normalize_recipient,
    require_connected_for_wait,
    send_message,
)
from wagate_api.routing import CheckedRoute
from wagate_common.ids import new_id
from wagate_common.schemas.commands import (
    ContactCard,
    ContactsContent,
    LocationContent,
    MediaContent,
    MediaSource,
    MediaType,
    PollContent,
    TextContent,
    UrlMedia,
)

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/messages", tags=["messages"])


@router.post(
    "/text",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=SEND_RESPONSES,
)
async def send_text(
    body: TextMessageCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue a text message; 202 with the record, or 200 once sent with ``wait``."""
    session = await load_session(context, caller, body.session_id)
    to = normalize_recipient(body.to)
    mentions = [normalize_recipient(mention) for mention in body.mentions]
    require_connected_for_wait(session, options.wait)

    content = TextContent(
        text=body.text,
        reply_to=body.reply_to,
        mentions=mentions,
        link_preview=body.link_preview,
    )
    return await send_message(context, options, body.session_id, to, content)


@router.post(
    "/media",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses={
        **SEND_RESPONSES,
        413: {"description": "Over the size limit of the media type."},
        415: {"description": "A mimetype the media type does not accept."},
    },
)
async def send_media(
    body: MediaMessageCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue an image, video, audio, document or sticker, from base64 or a URL.

    Base64 media is decoded, checked and stored in the ``media`` bucket before
    the record exists, so a rejected body stores nothing. A URL is fetched by
    the worker when it sends.
    """
    session = await load_session(context, caller, body.session_id)
    to = normalize_recipient(body.to)
    mentions = [normalize_recipient(mention) for mention in body.mentions]
    require_connected_for_wait(session, options.wait)

    message_id = new_id("msg")
    media = await _media_source(context, message_id, body.type, body.media)
    content = MediaContent(
        media_type=body.type,
        media=media,
        caption=body.caption,
        ptt=body.ptt,
        reply_to=body.reply_to,
        mentions=mentions,
    )
    return await send_message(
        context, options, body.session_id, to, content, message_id=message_id
    )


async def _media_source(
    context: ApiContext, message_id: str, media_type: MediaType, media: MediaInput
) -> MediaSource:
    if media.url is not None:
        return UrlMedia(url=media.url, filename=media.filename)
    # MediaInput accepts base64 only with a mimetype.
    assert media.base64 is not None
    assert media.mimetype is not None
    # Decoding 100 MiB takes a while, so it runs off the event loop.
    data, mimetype = await asyncio.to_thread(
        decode_media, media_type, media.base64, media.mimetype
    )
    return await MediaStore(context.infra.js).put(
        outgoing_object_name(message_id), data, mimetype, media.filename
    )


@router.post(
    "/location",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=SEND_RESPONSES,
)
async def send_location(
    body: LocationMessageCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue a pinned location."""
    session = await load_session(context, caller, body.session_id)
    to = normalize_recipient(body.to)
    require_connected_for_wait(session, options.wait)

    content = LocationContent(
        latitude=body.latitude,
        longitude=body.longitude,
        name=body.name,
        address=body.address,
        reply_to=body.reply_to,
    )
    return await send_message(context, options, body.session_id, to, content)


@router.post(
    "/contact",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=SEND_RESPONSES,
)
async def send_contact(
    body: ContactMessageCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue one or more contact cards; the worker sends them as vCards."""
    session = await load_session(context, caller, body.session_id)
    to = normalize_recipient(body.to)
    require_connected_for_wait(session, options.wait)

    content = ContactsContent(
        contacts=[
            ContactCard(name=card.name, phone=card.phone) for card in body.contacts
        ],
        reply_to=body.reply_to,
    )
    return await send_message(context, options, body.session_id, to, content)


@router.post(
    "/poll",
    status_code=202,
    response_model=Envelope[MessagePublic],
    responses=SEND_RESPONSES,
)
async def send_poll(
    body: PollMessageCreate,
    context: Context,
    caller: Caller,
    options: Options,
) -> Envelope[MessagePublic]:
    """Queue a poll; ``multipleAnswers`` lets a voter pick several options."""
    session = await load_session(context, caller, body.session_id)
    to = normalize_recipient(body.to)
    require_connected_for_wait(session, options.wait)

    content = PollContent(
        question=body.question,
        options=body.options,
        multiple_answers=body.multiple_answers,
    )
    return await send_message(context, options, body.session_id, to, content)

"""Webhook routes: create, list, read, update, delete."""

from __future__ import annotations

import base64
import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.envelope import Deleted, Envelope, ListEnvelope, PageInfo
from wagate_api.models.webhooks import (
    SECRET_PREFIX,
    WebhookCreate,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)
from wagate_api.routes.common import Cursor, Limit, load_session
from wagate_api.routing import CheckedRoute
from wagate_common.broker import subjects
from wagate_common.errors import ErrorCode, NotFoundError, WagateError
from wagate_common.ids import new_id
from wagate_common.netguard import UrlNotAllowedError, resolve_allowed
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/webhooks", tags=["webhooks"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("webhooks"))]


@router.post("", status_code=201, response_model=Envelope[WebhookWithSecret])
async def create_webhook(
    body: WebhookCreate, context: Context, caller: Caller
) -> Envelope[WebhookWithSecret]:
    """Subscribe a URL to events; the secret is shown in this response only."""
    await _check_url(context, body.url)
    if body.session_id is not None:
        await load_session(context, caller, body.session_id)
    elif caller.session_ids:
        raise WagateError(
            403, ErrorCode.FORBIDDEN, "a session-bound API key must name a sessionId"
        )

    document = await context.webhooks.create(
        {
            "_id": new_id("wh"),
            "url": body.url,
            "events": body.events,
            "sessionId": body.session_id,
            "secret": body.secret or generate_secret(),
            "headers": body.headers,
            "enabled": body.enabled,
            "description": body.description,
            "disabledReason": None,
        }
    )
    await _announce_change(context, document["_id"])
    logger.info("webhook created", extra={"webhook_id": document["_id"]})
    return Envelope(data=_with_secret(document))


@router.get("", response_model=ListEnvelope[WebhookPublic])
async def list_webhooks(
    context: Context, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> ListEnvelope[WebhookPublic]:
    """List webhooks, without their secrets."""
    documents, next_cursor = await context.webhooks.list_page(cursor, limit)
    visible = [doc for doc in documents if _visible(caller, doc)]
    return ListEnvelope(
        data=[to_public(doc) for doc in visible],
        page=PageInfo(next=next_cursor, limit=limit),
    )


@router.get("/{webhook_id}", response_model=Envelope[WebhookPublic])
async def get_webhook(
    webhook_id: str, context: Context, caller: Caller
) -> Envelope[WebhookPublic]:
    """Read a webhook, without its secret."""
    document = await _load(context, caller, webhook_id)
    return Envelope(data=to_public(document))


@router.patch("/{webhook_id}", response_model=Envelope[WebhookPublic | WebhookWithSecret])
async def update_webhook(
    webhook_id: str, body: WebhookUpdate, context: Context, caller: Caller
) -> Envelope[WebhookPublic | WebhookWithSecret]:
    """Change any field; ``rotateSecret`` issues a new secret, shown in this response."""
    await _load(context, caller, webhook_id)
    fields = _changed_fields(body)
    if "url" in fields:
        await _check_url(context, fields["url"])
    if fields.get("sessionId") is not None:
        await load_session(context, caller, fields["sessionId"])
    elif "sessionId" in fields and caller.session_ids:
        # Clearing sessionId would subscribe the webhook to every session.
        raise WagateError(
            403, ErrorCode.FORBIDDEN, "a session-bound API key must keep a sessionId"
        )
    if body.rotate_secret:
        fields["secret"] = generate_secret()
    if fields.get("enabled") is True:
        fields["disabledReason"] = None

    document = await context.webhooks.update(webhook_id, fields)
    if document is None:
        raise NotFoundError(ErrorCode.WEBHOOK_NOT_FOUND, "webhook", webhook_id)
    await _announce_change(context, webhook_id)
    logger.info(
        "webhook updated", extra={"webhook_id": webhook_id, "fields": sorted(fields)}
    )
    if "secret" in fields:
        return Envelope(data=_with_secret(document))
    return Envelope(data=to_public(document))


@router.delete("/{webhook_id}", response_model=Envelope[Deleted])
async def delete_webhook(
    webhook_id: str, context: Context, caller: Caller
) -> Envelope[Deleted]:
    """Delete a webhook; nothing more is delivered to it."""
    await _load(context, caller, webhook_id)
    if not await context.webhooks.delete(webhook_id):
        raise NotFoundError(ErrorCode.WEBHOOK_NOT_FOUND, "webhook", webhook_id)
    await _announce_change(context, webhook_id)
    logger.info("webhook deleted", extra={"webhook_id": webhook_id})
    return Envelope(data=Deleted(id=webhook_id))


def generate_secret() -> str:
    """Return a new signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def to_public(document: Document) -> WebhookPublic:
    """Render a stored webhook without its secret."""
    return WebhookPublic(
        id=document["_id"],
        url=document["url"],
        events=document["events"],
        session_id=document.get("sessionId"),
        headers=document.get("headers") or {},
        enabled=document["enabled"],
        description=document.get("description"),
        disabled_reason=document.get("disabledReason"),
        created_at=document["createdAt"],
        updated_at=document["updatedAt"],
    )


def _with_secret(document: Document) -> WebhookWithSecret:
    return WebhookWithSecret(
        **to_public(document).model_dump(), secret=document["secret"]
    )


def _changed_fields(body: WebhookUpdate) -> dict[str, Any]:
    names = {
        "url": "url",
        "events": "events",
        "session_id": "sessionId",
        "secret": "secret",
        "headers": "headers",
        "enabled": "enabled",
        "description": "description",
    }
    fields: dict[str, Any] = {}
    for attribute in body.model_fields_set & names.keys():
        value = getattr(body, attribute)
        # null is meaningful only for sessionId (all sessions) and description.
        if value is None and attribute not in ("session_id", "description"):
            raise WagateError(
                400,
                ErrorCode.VALIDATION_ERROR,
                f"{names[attribute]} cannot be null",
                {"fields": [{"field": names[attribute], "message": "cannot be null"}]},
            )
        fields[names[attribute]] = value
    return fields


async def _load(context: ApiContext, caller: Principal, webhook_id: str) -> Document:
    document = await context.webhooks.get(webhook_id)
    if document is None or not _visible(caller, document):
        raise NotFoundError(ErrorCode.WEBHOOK_NOT_FOUND, "webhook", webhook_id)
    return document


def _visible(caller: Principal, document: Document) -> bool:
    session_id = document.get("sessionId")
    if not caller.session_ids:
        return True
    return session_id is not None and caller.can_see(session_id)


async def _check_url(context: ApiContext, url: str) -> None:
    try:
        await resolve_allowed(url, bool(context.settings.webhook_allow_private))
    except UrlNotAllowedError as error:
        raise WagateError(
            422, ErrorCode.WEBHOOK_URL_NOT_ALLOWED, str(error), {"reason": error.reason}
        ) from error


async def _announce_change(context: ApiContext, webhook_id: str) -> None:
    # Every dispatcher drops its webhook cache on this notice.
    await context.infra.nats.publish(subjects.WEBHOOKS_CHANGED, webhook_id.encode())

"""Admin routes: create, list and revoke API keys."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from wagate_api.auth import Principal, require_scope
from wagate_api.context import ApiContext, get_context
from wagate_api.models.apikeys import (
    ApiKeyCreate,
    ApiKeyPublic,
    ApiKeyWithSecret,
    RateLimitSettings,
)
from wagate_api.models.envelope import Deleted, Envelope, ListEnvelope, PageInfo
from wagate_api.routes.common import Cursor, Limit
from wagate_api.routing import CheckedRoute
from wagate_api.security.keyformat import display_prefix, generate_key, hash_key
from wagate_common.errors import ErrorCode, NotFoundError
from wagate_common.ids import new_id
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute, prefix="/v1/admin/api-keys", tags=["admin"])

Context = Annotated[ApiContext, Depends(get_context)]
Caller = Annotated[Principal, Depends(require_scope("admin"))]


@router.post("", status_code=201, response_model=Envelope[ApiKeyWithSecret])
async def create_api_key(
    body: ApiKeyCreate, context: Context, caller: Caller
) -> Envelope[ApiKeyWithSecret]:
    """Create a key; the key itself is in this response only."""
    key = generate_key()
    rate_limit = body.rate_limit.model_dump(by_alias=True) if body.rate_limit else None

    document = await context.api_keys.repository.create(
        {
            "_id": new_id("key"),
            "hash": hash_key(key),
            "prefix": display_prefix(key),
            "name": body.name,
            "scopes": sorted(set(body.scopes)),
            "sessionIds": body.session_ids,
            "expiresAt": body.expires_at,
            "rateLimit": rate_limit,
            "createdBy": caller.key_id,
        }
    )
    logger.info(
        "api key created",
        extra={"key_id": document["_id"], "prefix": document["prefix"]},
    )
    public = to_public(document)
    return Envelope(data=ApiKeyWithSecret(**public.model_dump(), key=key))


@router.get("", response_model=ListEnvelope[ApiKeyPublic])
async def list_api_keys(
    context: Context, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> ListEnvelope[ApiKeyPublic]:
    """List keys with their prefixes; the keys themselves are never shown again."""
    documents, next_cursor = await context.api_keys.repository.list_page(cursor, limit)
    return ListEnvelope(
        data=[to_public(document) for document in documents],
        page=PageInfo(next=next_cursor, limit=limit),
    )


@router.delete("/{key_id}", response_model=Envelope[Deleted])
async def revoke_api_key(
    key_id: str, context: Context, caller: Caller
) -> Envelope[Deleted]:
    """Revoke a key on every api replica."""
    document = await context.api_keys.repository.delete(key_id)
    if document is None:
        raise NotFoundError(ErrorCode.API_KEY_NOT_FOUND, "API key", key_id)

    await context.api_keys.revoke(document["hash"])
    logger.info("api key revoked", extra={"key_id": key_id, "prefix": document["prefix"]})
    return Envelope(data=Deleted(id=key_id))


def to_public(document: Document) -> ApiKeyPublic:
    """Render a stored key without its hash."""
    rate_limit = document.get("rateLimit")
    return ApiKeyPublic(
        id=document["_id"],
        name=document["name"],
        prefix=document["prefix"],
        scopes=document["scopes"],
        session_ids=document.get("sessionIds") or [],
        rate_limit=RateLimitSettings.model_validate(rate_limit) if rate_limit else None,
        created_at=document["createdAt"],
        last_used_at=document.get("lastUsedAt"),
        expires_at=document.get("expiresAt"),
    )

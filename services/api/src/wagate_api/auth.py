"""API key authentication, scope checks and the per-key request budget.

Every ``/v1`` route depends on :func:`require_scope` with the scope it needs.
A key is either the admin key from ``WAGATE_ADMIN_API_KEY``, which has
every scope, or a key created through ``/v1/admin/api-keys``.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from wagate_api.security.keyformat import hash_key, is_well_formed
from wagate_api.security.ratelimit import RateLimit, retry_after_header
from wagate_common.errors import ErrorCode, WagateError
from wagate_common.storage.database import Document

logger = logging.getLogger(__name__)

SCOPES = (
    "admin",
    "sessions",
    "messages",
    "contacts",
    "groups",
    "webhooks",
    "states",
    "queues",
)

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's id, its scopes and the sessions it is bound to."""

    key_id: str
    scopes: frozenset[str]
    session_ids: frozenset[str] = field(default_factory=frozenset)
    # None means the configured default budget.
    rate_limit: RateLimit | None = None

    def can_see(self, session_id: str) -> bool:
        """Whether this caller may act on ``session_id``."""
        return not self.session_ids or session_id in self.session_ids

    def has_scope(self, scope: str) -> bool:
        """Whether this caller holds ``scope``; ``admin`` implies every scope."""
        return "admin" in self.scopes or scope in self.scopes


class RateLimitedError(WagateError):
    """The key spent its request budget; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            429,
            ErrorCode.RATE_LIMITED,
            "this API key has used its request budget; retry after the "
            "Retry-After header's seconds",
        )
        self.headers = {"Retry-After": retry_after_header(retry_after)}


ADMIN = Principal(key_id="admin", scopes=frozenset({"admin"}))
DEVELOPMENT = Principal(key_id="development", scopes=frozenset({"admin"}))


def require_scope(scope: str) -> ScopeRequirement:
    """Build a dependency that authenticates the caller and checks ``scope``."""
    return ScopeRequirement(scope)


class ScopeRequirement:
    """A route dependency that authenticates the caller and checks one scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    async def __call__(
        self, request: Request, api_key: str | None = Security(api_key_header)
    ) -> Principal:
        principal = await authenticate(request, api_key)
        if not principal.has_scope(self.scope):
            raise WagateError(
                403, ErrorCode.FORBIDDEN, f"this API key lacks the '{self.scope}' scope"
            )
        _spend_budget(request, principal)
        return principal


async def authenticate(request: Request, api_key: str | None) -> Principal:
    """Return the caller's principal or raise 401."""
    settings = request.app.state.settings
    if settings.is_development:
        _warn_once_about_development(request)
        return DEVELOPMENT
    if not api_key:
        raise WagateError(401, ErrorCode.UNAUTHORIZED, "missing X-API-Key header")
    admin_key: str | None = settings.admin_api_key
    if admin_key and hmac.compare_digest(api_key.encode(), admin_key.encode()):
        return ADMIN
    if not is_well_formed(api_key):
        raise WagateError(401, ErrorCode.UNAUTHORIZED, "invalid API key")

    key_hash = hash_key(api_key)
    store = request.app.state.context.api_keys
    document = await store.find(key_hash)
    # The lookup by hash already matched; comparing again in constant time
    # keeps the decision itself free of timing differences.
    if document is None or not hmac.compare_digest(document["hash"], key_hash):
        raise WagateError(401, ErrorCode.UNAUTHORIZED, "invalid API key")
    if _is_expired(document):
        raise WagateError(401, ErrorCode.UNAUTHORIZED, "this API key has expired")
    store.mark_used(document["_id"])
    return principal_of(document)


def principal_of(document: Document) -> Principal:
    """Build the principal of a stored key."""
    limit = document.get("rateLimit")
    return Principal(
        key_id=document["_id"],
        scopes=frozenset(document["scopes"]),
        session_ids=frozenset(document.get("sessionIds") or ()),
        rate_limit=RateLimit(limit["perMinute"], limit["burst"]) if limit else None,
    )


def _is_expired(document: Document) -> bool:
    expires_at: datetime | None = document.get("expiresAt")
    if expires_at is None:
        return False
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return expires_at <= datetime.now(UTC)


def _spend_budget(request: Request, principal: Principal) -> None:
    if principal is DEVELOPMENT:
        return
    context = request.app.state.context
    settings = context.settings
    limit = principal.rate_limit or RateLimit(
        settings.api_rate_limit_per_minute, settings.api_rate_limit_burst
    )
    wait = context.rate_limiter.acquire(principal.key_id, limit)
    if wait > 0:
        raise RateLimitedError(wait)


def _warn_once_about_development(request: Request) -> None:
    state = request.app.state
    if getattr(state, "development_warned", False):
        return
    state.development_warned = True
    logger.warning("development mode: request served without authentication")


SessionsScope = Depends(require_scope("sessions"))
MessagesScope = Depends(require_scope("messages"))
WebhooksScope = Depends(require_scope("webhooks"))

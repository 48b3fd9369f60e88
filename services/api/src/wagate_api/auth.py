"""API key authentication.

Every ``/v1`` route depends on :func:`require_scope` with the scope it needs.
Until per-tenant keys exist, the only key is the admin key from
``WAGATE_ADMIN_API_KEY``, which holds every scope.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from wagate_common.errors import ErrorCode, WagateError

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

    def can_see(self, session_id: str) -> bool:
        """Whether this caller may act on ``session_id``."""
        return not self.session_ids or session_id in self.session_ids

    def has_scope(self, scope: str) -> bool:
        """Whether this caller holds ``scope``; ``admin`` implies every scope."""
        return "admin" in self.scopes or scope in self.scopes


ADMIN = Principal(key_id="admin", scopes=frozenset({"admin"}))
DEVELOPMENT = Principal(key_id="development", scopes=frozenset({"admin"}))


def require_scope(scope: str) -> Callable[..., Awaitable[Principal]]:
    """Build a dependency that authenticates the caller and checks ``scope``."""

    async def dependency(
        request: Request, api_key: str | None = Security(api_key_header)
    ) -> Principal:
        principal = authenticate(request, api_key)
        if not principal.has_scope(scope):
            raise WagateError(
                403, ErrorCode.FORBIDDEN, f"this API key lacks the '{scope}' scope"
            )
        return principal

    return dependency


def authenticate(request: Request, api_key: str | None) -> Principal:
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
    raise WagateError(401, ErrorCode.UNAUTHORIZED, "invalid API key")


def _warn_once_about_development(request: Request) -> None:
    state = request.app.state
    if getattr(state, "development_warned", False):
        return
    state.development_warned = True
    logger.warning("development mode: request served without authentication")


SessionsScope = Depends(require_scope("sessions"))
MessagesScope = Depends(require_scope("messages"))
WebhooksScope = Depends(require_scope("webhooks"))

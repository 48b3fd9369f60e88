"""The api's composition root: builds the FastAPI app and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from wagate_api.context import ApiContext
from wagate_api.errors import install_error_handlers
from wagate_api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from wagate_api.openapi import install_error_schema
from wagate_api.routes import (
    admin,
    contacts,
    events,
    groups,
    health,
    messages,
    presence,
    queues,
    sandbox,
    sessions,
    states,
    webhooks,
)
from wagate_api.security.idempotency import IdempotencyMiddleware
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure

logger = logging.getLogger(__name__)

# The routes whose body may exceed WAGATE_MAX_BODY_BYTES: they carry base64 media.
MEDIA_ROUTE = "/v1/messages/media"
SANDBOX_MESSAGES_ROUTE = "/v1/sandbox/messages"

DESCRIPTION = (
    "Send and receive WhatsApp messages through sessions linked as companion devices. "
    "Authenticate with the `X-API-Key` header. Every answer is an envelope: "
    '`{"success": true, "data": ...}` or `{"success": false, "error": {code, message}}`.'
)


def create_app(settings: ApiSettings, infra: Infrastructure | None = None) -> FastAPI:
    """Build the app; without ``infra`` it connects at start-up and closes at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = infra is None
        opened = infra or await Infrastructure.open(settings, "api")
        app.state.context = context = ApiContext.build(settings, opened)
        await context.api_keys.start()
        _log_start(settings)
        try:
            yield
        finally:
            await context.api_keys.stop()
            if owned:
                await opened.close()

    app = FastAPI(
        title="wagate",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # A body without Content-Type is read as JSON; CheckedRoute rejects other types.
        strict_content_type=False,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_error_schema(app)
    # Added first so it runs innermost: after the body limit, before routing.
    app.add_middleware(
        IdempotencyMiddleware, wait_seconds=settings.idempotency_wait_seconds
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={
            MEDIA_ROUTE: settings.max_media_body_bytes,
            SANDBOX_MESSAGES_ROUTE: settings.max_media_body_bytes,
        },
    )
    app.add_middleware(RequestContextMiddleware)
    for module in (
        health,
        sessions,
        messages,
        presence,
        contacts,
        groups,
        webhooks,
        states,
        sandbox,
        admin,
    ):
        app.include_router(module.router)
    app.include_router(queues.router)
    app.include_router(events.router)
    return app


def _log_start(settings: ApiSettings) -> None:
    if settings.is_development:
        logger.warning(
            "DEVELOPMENT MODE: every request is served without authentication; "
            "never expose this api to a network"
        )
    elif not settings.admin_api_key:
        logger.warning("WAGATE_ADMIN_API_KEY is not set: no request can authenticate")
    logger.info(
        "api ready",
        extra={
            "host": settings.api_host,
            "port": settings.api_port,
            "sandbox": settings.sandbox_enabled,
        },
    )

"""The per-process context of request handlers: settings, connections, repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from wagate_api.commands import CommandPublisher
from wagate_api.rpc import WorkerClient
from wagate_api.security.keystore import ApiKeyStore
from wagate_api.security.ratelimit import RateLimiter
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.storage.apikeys import ApiKeyRepository
from wagate_common.storage.idempotency import IdempotencyRepository
from wagate_common.storage.messages import MessageRepository
from wagate_common.storage.received import ReceivedRepository
from wagate_common.storage.sessions import SessionRepository
from wagate_common.storage.states import StateRepository
from wagate_common.storage.webhooks import WebhookRepository


@dataclass
class ApiContext:
    """Per-process objects shared by all requests."""

    settings: ApiSettings
    infra: Infrastructure
    sessions: SessionRepository
    messages: MessageRepository
    received: ReceivedRepository
    webhooks: WebhookRepository
    states: StateRepository
    commands: CommandPublisher
    workers: WorkerClient
    api_keys: ApiKeyStore
    rate_limiter: RateLimiter
    idempotency: IdempotencyRepository

    @classmethod
    def build(cls, settings: ApiSettings, infra: Infrastructure) -> ApiContext:
        """Wire the repositories and publishers onto open connections."""
        return cls(
            settings=settings,
            infra=infra,
            sessions=SessionRepository(infra.db),
            messages=MessageRepository(infra.db, settings.message_retention_days),
            received=ReceivedRepository(infra.db, settings.message_retention_days),
            webhooks=WebhookRepository(infra.db),
            states=StateRepository(infra.db),
            commands=CommandPublisher(infra.js, settings.shards),
            workers=WorkerClient(
                infra.nats, settings.shards, settings.live_request_timeout_seconds
            ),
            api_keys=ApiKeyStore(
                ApiKeyRepository(infra.db),
                infra.nats,
                settings.api_key_cache_seconds,
                settings.api_key_last_used_flush_seconds,
            ),
            rate_limiter=RateLimiter(settings.api_replicas),
            idempotency=IdempotencyRepository(
                infra.db, timedelta(hours=settings.idempotency_retention_hours)
            ),
        )


def get_context(request: Request) -> ApiContext:
    """FastAPI dependency returning the process's :class:`ApiContext`."""
    context: ApiContext = request.app.state.context
    return context

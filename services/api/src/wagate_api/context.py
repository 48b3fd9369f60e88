"""What every request handler reaches: settings, connections and repositories."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from wagate_api.commands import CommandPublisher
from wagate_api.settings import ApiSettings
from wagate_common.infrastructure import Infrastructure
from wagate_common.storage.messages import MessageRepository
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
    webhooks: WebhookRepository
    states: StateRepository
    commands: CommandPublisher

    @classmethod
    def build(cls, settings: ApiSettings, infra: Infrastructure) -> ApiContext:
        """Wire the repositories and publishers onto open connections."""
        return cls(
            settings=settings,
            infra=infra,
            sessions=SessionRepository(infra.db),
            messages=MessageRepository(infra.db, settings.message_retention_days),
            webhooks=WebhookRepository(infra.db),
            states=StateRepository(infra.db),
            commands=CommandPublisher(infra.js, settings.shards),
        )


def get_context(request: Request) -> ApiContext:
    """FastAPI dependency returning the process's :class:`ApiContext`."""
    context: ApiContext = request.app.state.context
    return context

"""The dispatcher's in-memory copy of the enabled webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from pymongo.errors import PyMongoError

from wagate_common.broker.subjects import WEBHOOKS_CHANGED
from wagate_common.storage.webhooks import WebhookRepository
from wagate_dispatcher.errors import InvalidWebhookError
from wagate_dispatcher.webhooks.matching import WebhookIndex
from wagate_dispatcher.webhooks.model import Webhook, parse_webhook

logger = logging.getLogger(__name__)

RELOAD_RETRY_SECONDS = 2.0


class WebhookCache:
    """Enabled webhooks held in memory, so matching an event reads no database.

    Every api replica publishes on ``WEBHOOKS_CHANGED`` after it writes a
    webhook. A notice requests a reload, and notices that arrive during a reload
    request one more, so a burst of changes costs at most two reads. A periodic
    reload covers notices lost while the broker connection was down.
    """

    def __init__(
        self, repository: WebhookRepository, nats: Client, refresh_seconds: float
    ) -> None:
        self._repository = repository
        self._nats = nats
        self._refresh_seconds = refresh_seconds
        self._index = WebhookIndex()
        self._invalid_ids: set[str] = set()
        self._reload_requested = asyncio.Event()
        self._subscription: Any = None
        self._task: asyncio.Task[None] | None = None

    @property
    def index(self) -> WebhookIndex:
        """The webhooks of the latest successful load."""
        return self._index

    def match(self, event_type: str, session_id: str) -> list[Webhook]:
        """Return every cached webhook that subscribes to the event."""
        return self._index.match(event_type, session_id)

    async def start(self) -> None:
        """Load the webhooks and follow changes.

        Raises:
            PyMongoError: the first load failed; dispatching without it would
                drop events for every webhook.
        """
        # Subscribing first means a change made during the first load is not missed.
        self._subscription = await self._nats.subscribe(
            WEBHOOKS_CHANGED, cb=self._on_changed
        )
        await self.reload()
        self._task = asyncio.create_task(self._follow_changes(), name="webhook-cache")

    async def stop(self) -> None:
        """Stop following changes; the cached webhooks stay readable."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._subscription is not None:
            # The connection may already be closed or draining at shutdown.
            with contextlib.suppress(NatsError):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def reload(self, *, periodic: bool = False) -> None:
        """Replace the cached webhooks with the enabled ones in MongoDB."""
        documents = await self._repository.list_enabled()

        webhooks: list[Webhook] = []
        invalid_ids: set[str] = set()
        for document in documents:
            try:
                webhooks.append(parse_webhook(document))
            except InvalidWebhookError as error:
                invalid_ids.add(str(error.webhook_id))
                self._report_invalid(error)
        self._index = WebhookIndex(webhooks)
        self._invalid_ids = invalid_ids

        logger.log(
            logging.DEBUG if periodic else logging.INFO,
            "webhooks loaded",
            extra={"webhooks": len(webhooks), "invalid": len(invalid_ids)},
        )

    def _report_invalid(self, error: InvalidWebhookError) -> None:
        # Warn once per webhook rather than on every periodic reload.
        if str(error.webhook_id) in self._invalid_ids:
            return
        logger.warning(
            "skipping invalid webhook",
            extra={"webhook_id": error.webhook_id, "reason": error.reason},
        )

    async def _on_changed(self, _: Msg) -> None:
        self._reload_requested.set()

    async def _follow_changes(self) -> None:
        while True:
            periodic = not await self._wait_for_notice()
            self._reload_requested.clear()
            try:
                await self.reload(periodic=periodic)
            except PyMongoError as error:
                logger.warning(
                    "webhook reload failed; keeping the previous webhooks",
                    extra={"error": f"{type(error).__name__}: {error}"},
                )
                await asyncio.sleep(RELOAD_RETRY_SECONDS)
                self._reload_requested.set()

    async def _wait_for_notice(self) -> bool:
        """Wait for a change notice or the refresh interval; return True on a notice."""
        try:
            await asyncio.wait_for(self._reload_requested.wait(), self._refresh_seconds)
        except TimeoutError:
            return False
        return True

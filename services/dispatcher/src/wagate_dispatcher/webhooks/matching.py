"""Matching events to the webhooks that subscribe to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from wagate_dispatcher.webhooks.model import ALL_EVENTS, Webhook


def matches(webhook: Webhook, event_type: str, session_id: str) -> bool:
    """Check whether ``webhook`` subscribes to an event of this type and session.

    A webhook matches when it is enabled, lists the type or ``*``, and has no
    session or the event's session.
    """
    if not webhook.enabled:
        return False
    if webhook.session_id is not None and webhook.session_id != session_id:
        return False
    return ALL_EVENTS in webhook.events or event_type in webhook.events


class WebhookIndex:
    """An immutable set of webhooks grouped by session, for matching each event."""

    def __init__(self, webhooks: Iterable[Webhook] = ()) -> None:
        by_id = {webhook.id: webhook for webhook in webhooks}
        by_session: defaultdict[str | None, list[Webhook]] = defaultdict(list)
        for webhook in by_id.values():
            by_session[webhook.session_id].append(webhook)

        self._by_id = by_id
        self._by_session = dict(by_session)

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, webhook_id: str) -> Webhook | None:
        """Return the webhook with this id, or None."""
        return self._by_id.get(webhook_id)

    def match(self, event_type: str, session_id: str) -> list[Webhook]:
        """Return every webhook that subscribes to the event."""
        candidates = [
            *self._by_session.get(None, ()),
            *self._by_session.get(session_id, ()),
        ]
        return [
            webhook for webhook in candidates if matches(webhook, event_type, session_id)
        ]

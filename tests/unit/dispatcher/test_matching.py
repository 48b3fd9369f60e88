"""Which webhooks an event is delivered to."""

from __future__ import annotations

from typing import Any

import pytest

from wagate_dispatcher.errors import InvalidWebhookError
from wagate_dispatcher.webhooks.matching import WebhookIndex, matches
from wagate_dispatcher.webhooks.model import Webhook, parse_webhook

SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u"


def webhook(
    webhook_id: str = "wh_1",
    events: list[str] | None = None,
    session_id: str | None = None,
    enabled: bool = True,
) -> Webhook:
    document: dict[str, Any] = {
        "_id": webhook_id,
        "url": "http://127.0.0.1:9/hook",
        "events": events or ["*"],
        "sessionId": session_id,
        "secret": SECRET,
        "enabled": enabled,
    }
    return parse_webhook(document)


@pytest.mark.parametrize(
    ("events", "session_id", "enabled", "expected"),
    [
        (["message.received"], None, True, True),
        (["message.received", "message.sent"], "s1", True, True),
        (["*"], None, True, True),
        (["*"], "s1", True, True),
        (["message.sent"], None, True, False),
        (["message.received"], "s2", True, False),
        (["*"], "s2", True, False),
        (["*"], None, False, False),
        (["message.received"], "s1", False, False),
    ],
)
def test_matches_type_session_and_enabled(
    events: list[str], session_id: str | None, enabled: bool, expected: bool
) -> None:
    subscription = webhook(events=events, session_id=session_id, enabled=enabled)

    assert matches(subscription, "message.received", "s1") is expected


def test_matches_type_exactly() -> None:
    subscription = webhook(events=["message"])

    assert not matches(subscription, "message.received", "s1")


def test_index_matches_global_and_session_webhooks() -> None:
    index = WebhookIndex(
        [
            webhook("wh_all"),
            webhook("wh_s1", session_id="s1"),
            webhook("wh_s2", session_id="s2"),
            webhook("wh_sent", events=["message.sent"]),
        ]
    )

    matched = {item.id for item in index.match("message.received", "s1")}

    assert matched == {"wh_all", "wh_s1"}
    assert len(index) == 4
    assert index.get("wh_s2") is not None
    assert index.get("wh_missing") is None


def test_index_keeps_one_copy_per_id() -> None:
    index = WebhookIndex([webhook("wh_1"), webhook("wh_1")])

    assert len(index.match("message.received", "s1")) == 1


def test_parse_webhook_hides_secret_in_repr() -> None:
    subscription = webhook()

    assert SECRET not in repr(subscription)
    assert subscription.secret.get_secret_value() == SECRET


def test_parse_webhook_rejects_bad_secret() -> None:
    document = {"_id": "wh_1", "url": "http://x", "events": ["*"], "secret": "whsec_!!"}

    with pytest.raises(InvalidWebhookError, match="wh_1"):
        parse_webhook(document)


def test_parse_webhook_rejects_missing_url() -> None:
    document = {"_id": "wh_1", "events": ["*"], "secret": SECRET}

    with pytest.raises(InvalidWebhookError, match="url"):
        parse_webhook(document)

"""Prometheus metrics of the dispatcher, served on its probe port."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from wagate_dispatcher.delivery.sender import DeliveryOutcome

WEBHOOK_DELIVERIES = Counter(
    "wagate_webhook_deliveries",
    "Webhook delivery attempts by outcome.",
    ["outcome"],
)
WEBHOOK_DELIVERY_SECONDS = Histogram(
    "wagate_webhook_delivery_seconds",
    "Time from sending a webhook request to its outcome, in seconds.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0),
)
EVENTS_CONSUMED = Counter(
    "wagate_events_consumed",
    "Events taken from the EVENTS stream by the dispatcher.",
)

# Every outcome label is exported at zero from the start, so that rate() also
# counts the first failure.
for _outcome in DeliveryOutcome:
    WEBHOOK_DELIVERIES.labels(outcome=_outcome.value)

"""Prometheus metrics of the dispatcher, served on its probe port."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
WEBHOOK_RETRIES = Counter(
    "wagate_webhook_retries",
    "Failed webhook deliveries scheduled for another attempt.",
)
WEBHOOK_FAILED_JOBS = Counter(
    "wagate_webhook_failed_jobs",
    "Webhook delivery jobs moved to the failed queue.",
)
WEBHOOKS_DISABLED = Counter(
    "wagate_webhooks_disabled",
    "Webhooks disabled because the receiver responded 410 Gone.",
)
EVENTS_CONSUMED = Counter(
    "wagate_events_consumed",
    "Events taken from the EVENTS stream by the dispatcher.",
)
DELIVERY_JOBS_QUEUED = Counter(
    "wagate_delivery_jobs_queued",
    "Delivery jobs queued on the DELIVERIES stream, one per event and webhook.",
)
STREAM_MESSAGES = Gauge(
    "wagate_stream_messages",
    "Messages stored in a JetStream stream.",
    ["stream"],
)
CONSUMER_PENDING = Gauge(
    "wagate_consumer_pending",
    "Messages of a consumer not yet delivered to it.",
    ["stream", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "wagate_consumer_ack_pending",
    "Messages delivered to a consumer and not yet acknowledged.",
    ["stream", "consumer"],
)
FAILED_QUEUE_JOBS = Gauge(
    "wagate_failed_queue_jobs",
    "Jobs in the failed queue.",
    ["queue"],
)

# Every outcome label is exported at zero from the start, so that rate() also
# counts the first failure.
for _outcome in DeliveryOutcome:
    WEBHOOK_DELIVERIES.labels(outcome=_outcome.value)

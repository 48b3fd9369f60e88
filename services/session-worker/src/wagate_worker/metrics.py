"""Prometheus metrics of the session worker, served on its probe port."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from wagate_common.schemas.sessions import SessionStatus

SESSIONS = Gauge(
    "wagate_worker_sessions",
    "Sessions run by this worker, by status.",
    ["status"],
)
SHARD_LEASES = Gauge(
    "wagate_worker_shard_leases",
    "Shard leases held by this worker.",
)
COMMANDS_HANDLED = Counter(
    "wagate_worker_commands",
    "Commands taken off the COMMANDS stream, by type and outcome.",
    ["type", "outcome"],
)
MESSAGES_SENT = Counter(
    "wagate_worker_messages_sent",
    "Messages the network accepted.",
)
MESSAGES_FAILED = Counter(
    "wagate_worker_messages_failed",
    "Messages that failed for good.",
)

# Every status is exported at zero from the start, so dashboards show a flat
# line rather than no data.
for _status in SessionStatus:
    SESSIONS.labels(status=_status.value)

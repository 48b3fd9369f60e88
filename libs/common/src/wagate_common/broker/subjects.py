"""Subject names of every message wagate puts on the broker."""

from __future__ import annotations

COMMANDS_STREAM = "COMMANDS"
EVENTS_STREAM = "EVENTS"
DELIVERIES_STREAM = "DELIVERIES"
FAILED_STREAM = "FAILED"

SHARD_LEASES_BUCKET = "shard_leases"
WORKERS_BUCKET = "workers"
# Media the api decoded from base64, and received media downloaded on request.
MEDIA_BUCKET = "media"

COMMANDS_ALL = "wagate.cmd.>"
EVENTS_ALL = "wagate.evt.>"
DELIVERIES_ALL = "wagate.dlv.>"
# Retries waiting for their time: JetStream message schedules, which must be
# stored in the stream of their target subject, DELIVERIES.
DELIVERY_SCHEDULES_ALL = "wagate.dlvsched.>"
FAILED_ALL = "wagate.failed.>"

WEBHOOKS_CHANGED = "wagate.ctl.webhooks.changed"
API_KEYS_REVOKED = "wagate.ctl.apikeys.revoked"
SANDBOX_API_PREFIX = "wagate.sbx.api"
SANDBOX_NET_PREFIX = "wagate.sbx.net"


def command(shard: int, session_id: str) -> str:
    """Subject of a command for ``session_id`` in ``shard``."""
    return f"wagate.cmd.{shard}.{session_id}"


def shard_commands(shard: int) -> str:
    """Filter subject of every command of one shard."""
    return f"wagate.cmd.{shard}.>"


def event(session_id: str, event_type: str) -> str:
    """Subject of an event, e.g. ``wagate.evt.s1.message.received``."""
    return f"wagate.evt.{session_id}.{event_type}"


def session_events(session_id: str) -> str:
    """Filter subject of every event of one session."""
    return f"wagate.evt.{session_id}.>"


def delivery(webhook_id: str) -> str:
    """Subject of a delivery job for one webhook."""
    return f"wagate.dlv.{webhook_id}"


def delivery_schedule(webhook_id: str, token: str) -> str:
    """Subject of one scheduled retry; ``token`` makes it unique per schedule."""
    return f"wagate.dlvsched.{webhook_id}.{token}"


def failed_job(queue: str, job_id: str) -> str:
    """Subject of a job in the failed queue, e.g. ``wagate.failed.webhooks.job_1``."""
    return f"wagate.failed.{queue}.{job_id}"


def failed_queue(queue: str) -> str:
    """Filter subject of every failed job of one queue."""
    return f"wagate.failed.{queue}.>"


def rpc(shard: int, session_id: str, operation: str) -> str:
    """Subject of a live request served by the worker that owns the session."""
    return f"wagate.rpc.{shard}.{session_id}.{operation}"


def shard_rpc(shard: int) -> str:
    """Filter subject of every live request to the sessions of one shard."""
    return f"wagate.rpc.{shard}.>"


def sandbox_api(operation: str) -> str:
    """Subject of a request from the api to the sandbox (the phones' side)."""
    return f"{SANDBOX_API_PREFIX}.{operation}"


def sandbox_net(operation: str) -> str:
    """Subject of a request from a sandbox driver to the sandbox network."""
    return f"{SANDBOX_NET_PREFIX}.{operation}"


def sandbox_device(session_id: str) -> str:
    """Subject on which the sandbox pushes network events to a session's device."""
    return f"wagate.sbx.dev.{session_id}"


def shard_lease_key(shard: int) -> str:
    """Key of a shard's lease in the ``shard_leases`` bucket."""
    return f"shard-{shard}"

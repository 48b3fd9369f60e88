"""Settings of the session worker, read from ``WAGATE_*`` variables."""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from wagate_common.broker.connection import LEASE_TTL_SECONDS
from wagate_common.settings import WagateSettings


def default_worker_id() -> str:
    """Return ``<hostname>-<pid>``, unique among the workers of one deployment."""
    return f"{socket.gethostname()}-{os.getpid()}"


class WorkerSettings(WagateSettings):
    """Settings of the session worker.

    Worker-specific fields read ``WAGATE_WORKER_*`` variables through an alias,
    so that names such as ``probe_port`` do not collide with the same setting of
    another service. Code and tests may still pass every field by name.
    """

    model_config = SettingsConfigDict(validate_by_name=True)

    worker_id: str = Field(
        default_factory=default_worker_id,
        min_length=1,
        max_length=200,
        validation_alias="WAGATE_WORKER_ID",
    )
    probe_host: str = "127.0.0.1"
    probe_port: int = Field(
        default=3001, ge=0, le=65535, validation_alias="WAGATE_WORKER_PROBE_PORT"
    )
    # Shard leases expire LEASE_TTL_SECONDS (10 s) after their last renewal.
    lease_renew_seconds: float = Field(
        default=3.0, gt=0, validation_alias="WAGATE_WORKER_LEASE_RENEW_SECONDS"
    )
    reconnect_base_seconds: float = Field(
        default=1.0, gt=0, validation_alias="WAGATE_WORKER_RECONNECT_BASE_SECONDS"
    )
    reconnect_max_seconds: float = Field(
        default=60.0, gt=0, validation_alias="WAGATE_WORKER_RECONNECT_MAX_SECONDS"
    )
    # Fraction of each delay taken off at random, so that sessions dropped
    # together do not reconnect together.
    reconnect_jitter: float = Field(
        default=0.2, ge=0, le=1, validation_alias="WAGATE_WORKER_RECONNECT_JITTER"
    )
    # How long a send waits for its session to connect before it fails.
    held_send_seconds: float = Field(
        default=24 * 3600.0, gt=0, validation_alias="WAGATE_WORKER_HELD_SEND_SECONDS"
    )
    send_attempts: int = Field(
        default=5, ge=1, validation_alias="WAGATE_WORKER_SEND_ATTEMPTS"
    )
    send_retry_base_seconds: float = Field(
        default=1.0, gt=0, validation_alias="WAGATE_WORKER_SEND_RETRY_BASE_SECONDS"
    )
    send_retry_max_seconds: float = Field(
        default=30.0, gt=0, validation_alias="WAGATE_WORKER_SEND_RETRY_MAX_SECONDS"
    )
    # A command not acknowledged within this time is delivered again. The worker
    # reports progress on its unsettled commands every third of this time.
    command_ack_wait_seconds: float = Field(
        default=30.0, ge=1, validation_alias="WAGATE_WORKER_COMMAND_ACK_WAIT_SECONDS"
    )
    # Unacknowledged commands of one shard, held sends included; at this limit
    # JetStream stops delivering the shard's commands.
    command_max_pending: int = Field(
        default=1024, ge=1, validation_alias="WAGATE_WORKER_COMMAND_MAX_PENDING"
    )
    fetch_batch_size: int = Field(
        default=64, ge=1, validation_alias="WAGATE_WORKER_FETCH_BATCH_SIZE"
    )
    # How long one fetch waits on an idle shard; releasing a shard waits for it.
    fetch_wait_seconds: float = Field(
        default=1.0, gt=0, validation_alias="WAGATE_WORKER_FETCH_WAIT_SECONDS"
    )
    # Time limit of one driver call made while stopping a session.
    driver_stop_seconds: float = Field(
        default=5.0, gt=0, validation_alias="WAGATE_WORKER_DRIVER_STOP_SECONDS"
    )
    # How long stopping the worker waits for its shards to be released cleanly.
    shutdown_grace_seconds: float = Field(
        default=20.0, ge=0, validation_alias="WAGATE_WORKER_SHUTDOWN_GRACE_SECONDS"
    )
    # Default send pacing of a session without its own ``sendPacing``: the
    # minimum gap between two sends and the cap per 60 s. Zero turns each off.
    send_min_gap_ms: int = Field(
        default=0, ge=0, validation_alias="WAGATE_WORKER_SEND_MIN_GAP_MS"
    )
    send_per_minute: int = Field(
        default=0, ge=0, validation_alias="WAGATE_WORKER_SEND_PER_MINUTE"
    )
    # Time limit of fetching the media of a URL media message, redirects included.
    media_fetch_timeout_seconds: float = Field(
        default=30.0, gt=0, validation_alias="WAGATE_WORKER_MEDIA_FETCH_TIMEOUT_SECONDS"
    )
    # Time limit of fetching the page of a link preview; a slower page is sent
    # without a preview.
    link_preview_timeout_seconds: float = Field(
        default=5.0, gt=0, validation_alias="WAGATE_WORKER_LINK_PREVIEW_TIMEOUT_SECONDS"
    )
    # Time limit of one live request (contacts, groups, read, presence,
    # download) on the worker. The api stops waiting after its own
    # WAGATE_REQUEST_TIMEOUT_SECONDS; this only frees the worker.
    rpc_timeout_seconds: float = Field(
        default=60.0, gt=0, validation_alias="WAGATE_WORKER_RPC_TIMEOUT_SECONDS"
    )
    # Local files of the worker: one SQLite store per WhatsApp session.
    data_dir: Path = Field(
        default=Path(".wagate/worker"), validation_alias="WAGATE_WORKER_DATA_DIR"
    )
    # A WhatsApp connection attempt that shows neither a QR code nor a connected
    # device within this time is abandoned and retried with backoff.
    whatsapp_connect_seconds: float = Field(
        default=30.0, gt=0, validation_alias="WAGATE_WORKER_WHATSAPP_CONNECT_SECONDS"
    )
    # Pairing (QR codes or a pairing code) fails when no phone completes it in
    # this time. whatsmeow shows QR codes for about 160 s in all.
    whatsapp_pairing_seconds: float = Field(
        default=170.0, gt=0, validation_alias="WAGATE_WORKER_WHATSAPP_PAIRING_SECONDS"
    )
    # Threads of the worker's default executor once a WhatsApp session starts.
    # Each running neonize client occupies one thread for its whole life.
    whatsapp_threads: int = Field(
        default=512, ge=8, validation_alias="WAGATE_WORKER_WHATSAPP_THREADS"
    )

    # Driver starts of the whole worker: at most this many a second and at a
    # time, so that sessions come back gradually after a restart.
    start_per_second: float = Field(
        default=5.0, gt=0, validation_alias="WAGATE_WORKER_START_PER_SECOND"
    )
    start_concurrency: int = Field(
        default=16, ge=1, validation_alias="WAGATE_WORKER_START_CONCURRENCY"
    )

    @model_validator(mode="after")
    def _check_timers(self) -> WorkerSettings:
        if self.lease_renew_seconds >= LEASE_TTL_SECONDS / 2:
            raise ValueError(
                f"lease_renew_seconds must be under {LEASE_TTL_SECONDS / 2:g} s, half "
                "the shard lease TTL, or leases expire between renewals"
            )
        if self.reconnect_max_seconds < self.reconnect_base_seconds:
            raise ValueError(
                "reconnect_max_seconds must be at least reconnect_base_seconds"
            )
        if self.send_retry_max_seconds < self.send_retry_base_seconds:
            raise ValueError(
                "send_retry_max_seconds must be at least send_retry_base_seconds"
            )
        return self


@lru_cache
def get_worker_settings() -> WorkerSettings:
    """Return the worker's settings, read once from the environment."""
    return WorkerSettings()

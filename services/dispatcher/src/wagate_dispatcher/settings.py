"""Settings of the dispatcher, read from ``WAGATE_*`` variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wagate_common.settings import WagateSettings


class DispatcherSettings(WagateSettings):
    """Settings of the webhook dispatcher.

    Fields whose variable starts with ``WAGATE_DISPATCHER_`` read it through an
    alias, so that names such as ``probe_port`` do not collide with the same
    setting of another service. Code and tests may still pass every field by name.
    """

    model_config = SettingsConfigDict(validate_by_name=True)

    probe_host: str = "127.0.0.1"
    probe_port: int = Field(
        default=3002, ge=0, le=65535, validation_alias="WAGATE_DISPATCHER_PROBE_PORT"
    )
    # Total time limit of one webhook request, response included.
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    webhook_max_response_bytes: int = Field(default=64 * 1024, ge=0)
    # Reload interval of the webhook cache when no change notice arrives.
    webhook_cache_refresh_seconds: float = Field(default=60.0, gt=0)
    # Webhook requests in flight at once, across every webhook.
    max_concurrent_deliveries: int = Field(
        default=64, ge=1, validation_alias="WAGATE_DISPATCHER_MAX_CONCURRENT_DELIVERIES"
    )
    # Events one dispatcher handles at once, and so the max size of one fetch.
    fetch_batch_size: int = Field(
        default=64, ge=1, validation_alias="WAGATE_DISPATCHER_FETCH_BATCH_SIZE"
    )
    # How long one fetch waits for events on an idle stream. Stopping waits for
    # the current fetch to return, so this also delays every stop.
    fetch_wait_seconds: float = Field(
        default=1.0, gt=0, validation_alias="WAGATE_DISPATCHER_FETCH_WAIT_SECONDS"
    )
    shutdown_grace_seconds: float = Field(
        default=10.0, ge=0, validation_alias="WAGATE_DISPATCHER_SHUTDOWN_GRACE_SECONDS"
    )


@lru_cache
def get_dispatcher_settings() -> DispatcherSettings:
    """Return the dispatcher's settings, read once from the environment."""
    return DispatcherSettings()

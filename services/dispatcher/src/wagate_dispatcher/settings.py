"""Settings of the dispatcher, read from ``WAGATE_*`` variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

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
    # Requests in flight to one webhook at once, per dispatcher, so one slow
    # receiver cannot take every slot.
    max_concurrent_per_webhook: int = Field(
        default=4, ge=1, validation_alias="WAGATE_DISPATCHER_MAX_CONCURRENT_PER_WEBHOOK"
    )
    # Delays in seconds before each retry of a failed delivery; one delay per
    # retry. The default, 11 attempts in all, spans about 27.7 hours before jitter.
    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        default=(5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200)
    )
    # How long JetStream waits for an acknowledgement before it redelivers a
    # message; after a crash, the messages in flight wait this long. Shared by
    # every replica: the last one to start sets it on the consumers.
    ack_wait_seconds: float = Field(
        default=30.0, ge=1, validation_alias="WAGATE_DISPATCHER_ACK_WAIT_SECONDS"
    )
    shutdown_grace_seconds: float = Field(
        default=10.0, ge=0, validation_alias="WAGATE_DISPATCHER_SHUTDOWN_GRACE_SECONDS"
    )

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: object) -> object:
        # The variable is a comma-separated list of seconds, e.g. "5,30,120".
        if isinstance(value, str):
            return tuple(float(part) for part in value.split(",") if part.strip())
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _check_schedule(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays must be zero or more seconds")
        return value


@lru_cache
def get_dispatcher_settings() -> DispatcherSettings:
    """Return the dispatcher's settings, read once from the environment."""
    return DispatcherSettings()

"""Settings of the api process."""

from __future__ import annotations

import ipaddress

from pydantic import Field, model_validator

from wagate_common.settings import WagateSettings


class ApiSettings(WagateSettings):
    """The api's own settings on top of the shared ones."""

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=3000, ge=1, le=65535)
    # How long a request to the sandbox network waits for its response.
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    # How long a live request (contacts, groups, read, presence) waits for the worker.
    live_request_timeout_seconds: float = Field(default=10.0, gt=0)
    send_wait_max_seconds: float = Field(default=60.0, gt=0)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # POST /v1/messages/media only: a 100 MiB document is about 133.4 MiB as
    # base64, and the JSON around it is small.
    max_media_body_bytes: int = Field(default=140 * 1024 * 1024, ge=1024)
    allow_insecure_development: bool = False
    # Each replica enforces 1/api_replicas of every key's request budget.
    api_replicas: int = Field(default=1, ge=1)
    api_rate_limit_per_minute: int = Field(default=1200, ge=1)
    api_rate_limit_burst: int = Field(default=200, ge=1)
    # Bounds how long a revoked key keeps working on a replica that missed the notice.
    api_key_cache_seconds: float = Field(default=1.0, ge=0, le=1.0)
    api_key_last_used_flush_seconds: float = Field(default=60.0, gt=0)
    idempotency_retention_hours: int = Field(default=24, ge=1)
    idempotency_wait_seconds: float = Field(default=65.0, gt=0)

    @model_validator(mode="after")
    def _reject_exposed_development(self) -> ApiSettings:
        if not self.is_development or self.allow_insecure_development:
            return self
        if not is_loopback(self.api_host):
            raise ValueError(
                f"development mode serves every request without authentication, so "
                f"it must listen on a loopback address, not WAGATE_API_HOST="
                f"{self.api_host}; set WAGATE_ALLOW_INSECURE_DEVELOPMENT=true to "
                f"override"
            )
        return self


def is_loopback(host: str) -> bool:
    """Check whether ``host`` is ``localhost`` or a loopback IP address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

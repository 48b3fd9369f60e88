"""Settings of the api process."""

from __future__ import annotations

from pydantic import Field

from wagate_common.settings import WagateSettings


class ApiSettings(WagateSettings):
    """The api's own settings on top of the shared ones."""

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=3000, ge=1, le=65535)
    # How long a live request (sandbox, contacts, groups) waits for its answer.
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    send_wait_max_seconds: float = Field(default=60.0, gt=0)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

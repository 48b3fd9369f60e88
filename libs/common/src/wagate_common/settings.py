"""Settings shared by every wagate process, read from ``WAGATE_*`` variables."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    """Deployment environment; development relaxes auth and address checks."""

    PRODUCTION = "production"
    DEVELOPMENT = "development"


class LogFormat(StrEnum):
    """The rendering of log lines."""

    CONSOLE = "console"
    JSON = "json"


class WagateSettings(BaseSettings):
    """Base settings of every service.

    Every field has a default that works with the embedded stack started by
    ``wagate up``; production deployments override them through ``WAGATE_*``
    environment variables.
    """

    model_config = SettingsConfigDict(env_prefix="WAGATE_", extra="ignore")

    env: Environment = Environment.PRODUCTION
    nats_url: str = "nats://127.0.0.1:4222"
    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = "wagate"
    shards: int = Field(default=64, ge=1, le=4096)
    admin_api_key: str | None = None
    sandbox_enabled: bool | None = None
    webhook_allow_private: bool | None = None
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.CONSOLE
    message_retention_days: int = Field(default=30, ge=1)
    # Sent media (for retries and forwards) and downloaded received media.
    media_retention_hours: int = Field(default=24, ge=1)

    @model_validator(mode="after")
    def _default_sandbox_to_development(self) -> WagateSettings:
        if self.sandbox_enabled is None:
            self.sandbox_enabled = self.env is Environment.DEVELOPMENT
        if self.webhook_allow_private is None:
            self.webhook_allow_private = self.env is Environment.DEVELOPMENT
        return self

    @property
    def is_development(self) -> bool:
        """Whether development mode (no auth, private webhooks allowed) is on."""
        return self.env is Environment.DEVELOPMENT


@lru_cache
def get_settings() -> WagateSettings:
    """Return the process-wide base settings, read once from the environment."""
    return WagateSettings()

"""Settings of the sandbox, read from ``WAGATE_*`` variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wagate_common.settings import WagateSettings


class SandboxSettings(WagateSettings):
    """Settings of the simulated WhatsApp network.

    Fields that only the sandbox reads take their variable from an explicit
    ``WAGATE_SANDBOX_*`` alias; tests and code may still pass them by field name.
    """

    model_config = SettingsConfigDict(validate_by_name=True)

    probe_host: str = "127.0.0.1"
    probe_port: int = Field(
        default=3004, ge=0, le=65535, validation_alias="WAGATE_SANDBOX_PROBE_PORT"
    )
    # How long each QR code stays valid, in seconds. whatsmeow (qrchan.go) shows six
    # codes, the first for 60 s and the others for 20 s; here every code lasts the same.
    qr_seconds: float = Field(
        default=20.0, gt=0, validation_alias="WAGATE_SANDBOX_QR_SECONDS"
    )
    # How many QR codes are shown before pairing times out. A pairing code stays
    # valid for the same total time (qr_seconds * qr_rotations).
    qr_rotations: int = Field(
        default=6, ge=1, le=100, validation_alias="WAGATE_SANDBOX_QR_ROTATIONS"
    )
    # How long a push waits for the device's acknowledgement, in seconds.
    push_timeout_seconds: float = Field(
        default=5.0, gt=0, validation_alias="WAGATE_SANDBOX_PUSH_TIMEOUT_SECONDS"
    )
    # How long stop() lets requests in flight finish, in seconds.
    shutdown_grace_seconds: float = Field(
        default=5.0, ge=0, validation_alias="WAGATE_SANDBOX_SHUTDOWN_GRACE_SECONDS"
    )

    @property
    def pairing_seconds(self) -> float:
        """How long one pairing attempt lasts before it times out, in seconds."""
        return self.qr_seconds * self.qr_rotations


@lru_cache
def get_sandbox_settings() -> SandboxSettings:
    """Return the sandbox's settings, read once from the environment."""
    return SandboxSettings()

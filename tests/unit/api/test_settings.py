"""Api settings: development mode only on loopback unless forced."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wagate_api.settings import ApiSettings
from wagate_common.settings import Environment


def test_development_on_loopback_allowed() -> None:
    for host in ("127.0.0.1", "::1", "localhost"):
        settings = ApiSettings(env=Environment.DEVELOPMENT, api_host=host)

        assert settings.is_development


def test_development_on_network_rejected() -> None:
    with pytest.raises(ValidationError, match="WAGATE_ALLOW_INSECURE_DEVELOPMENT"):
        ApiSettings(env=Environment.DEVELOPMENT, api_host="0.0.0.0")


def test_development_on_network_forced() -> None:
    settings = ApiSettings(
        env=Environment.DEVELOPMENT, api_host="0.0.0.0", allow_insecure_development=True
    )

    assert settings.api_host == "0.0.0.0"


def test_production_on_network_allowed() -> None:
    settings = ApiSettings(env=Environment.PRODUCTION, api_host="0.0.0.0")

    assert not settings.is_development


def test_key_cache_capped_at_one_second() -> None:
    with pytest.raises(ValidationError):
        ApiSettings(api_key_cache_seconds=5)

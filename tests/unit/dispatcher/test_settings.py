"""Dispatcher settings and their variables."""

from __future__ import annotations

import pytest

from wagate_dispatcher.settings import DispatcherSettings


def test_settings_defaults() -> None:
    settings = DispatcherSettings()

    assert settings.probe_host == "127.0.0.1"
    assert settings.probe_port == 3002
    assert settings.webhook_timeout_seconds == 15.0
    assert settings.webhook_max_response_bytes == 64 * 1024


def test_settings_read_dispatcher_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGATE_DISPATCHER_PROBE_PORT", "4002")
    monkeypatch.setenv("WAGATE_PROBE_HOST", "0.0.0.0")
    monkeypatch.setenv("WAGATE_WEBHOOK_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("WAGATE_DISPATCHER_MAX_CONCURRENT_DELIVERIES", "8")

    settings = DispatcherSettings()

    assert settings.probe_port == 4002
    assert settings.probe_host == "0.0.0.0"
    assert settings.webhook_timeout_seconds == 2.5
    assert settings.max_concurrent_deliveries == 8


def test_settings_accept_field_names() -> None:
    settings = DispatcherSettings(probe_port=0, max_concurrent_deliveries=2)

    assert settings.probe_port == 0
    assert settings.max_concurrent_deliveries == 2

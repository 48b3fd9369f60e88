"""Worker settings and their variables."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from wagate_worker.settings import WorkerSettings


def test_settings_defaults() -> None:
    settings = WorkerSettings()

    assert settings.worker_id == f"{socket.gethostname()}-{os.getpid()}"
    assert settings.probe_host == "127.0.0.1"
    assert settings.probe_port == 3001
    assert settings.lease_renew_seconds == 3.0


def test_settings_read_worker_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGATE_WORKER_ID", "worker-7")
    monkeypatch.setenv("WAGATE_WORKER_PROBE_PORT", "4001")
    monkeypatch.setenv("WAGATE_PROBE_HOST", "0.0.0.0")
    monkeypatch.setenv("WAGATE_WORKER_RECONNECT_MAX_SECONDS", "15")
    monkeypatch.setenv("WAGATE_WORKER_HELD_SEND_SECONDS", "600")

    settings = WorkerSettings()

    assert settings.worker_id == "worker-7"
    assert settings.probe_port == 4001
    assert settings.probe_host == "0.0.0.0"
    assert settings.reconnect_max_seconds == 15.0
    assert settings.held_send_seconds == 600.0


def test_settings_accept_field_names() -> None:
    settings = WorkerSettings(worker_id="w", lease_renew_seconds=0.1, send_attempts=2)

    assert settings.worker_id == "w"
    assert settings.lease_renew_seconds == 0.1
    assert settings.send_attempts == 2


def test_renew_interval_must_be_under_half_ttl() -> None:
    with pytest.raises(ValidationError, match="half the shard lease TTL"):
        WorkerSettings(lease_renew_seconds=5.0)


def test_reconnect_cap_below_base_rejected() -> None:
    with pytest.raises(ValidationError, match="reconnect_max_seconds"):
        WorkerSettings(reconnect_base_seconds=10.0, reconnect_max_seconds=1.0)


def test_whatsapp_settings_read_worker_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAGATE_WORKER_DATA_DIR", "/var/lib/wagate/worker")
    monkeypatch.setenv("WAGATE_WORKER_WHATSAPP_CONNECT_SECONDS", "12")
    monkeypatch.setenv("WAGATE_WORKER_WHATSAPP_PAIRING_SECONDS", "90")
    monkeypatch.setenv("WAGATE_WORKER_WHATSAPP_THREADS", "64")

    settings = WorkerSettings()

    assert settings.data_dir == Path("/var/lib/wagate/worker")
    assert settings.whatsapp_connect_seconds == 12.0
    assert settings.whatsapp_pairing_seconds == 90.0
    assert settings.whatsapp_threads == 64


def test_data_dir_defaults_under_wagate() -> None:
    assert WorkerSettings().data_dir == Path(".wagate/worker")


def test_media_and_rpc_settings_read_worker_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAGATE_WORKER_MEDIA_FETCH_TIMEOUT_SECONDS", "12")
    monkeypatch.setenv("WAGATE_WORKER_LINK_PREVIEW_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("WAGATE_WORKER_RPC_TIMEOUT_SECONDS", "20")

    settings = WorkerSettings()

    assert settings.media_fetch_timeout_seconds == 12.0
    assert settings.link_preview_timeout_seconds == 2.0
    assert settings.rpc_timeout_seconds == 20.0


def test_media_fetch_timeout_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="media_fetch_timeout_seconds"):
        WorkerSettings(media_fetch_timeout_seconds=0)

"""The embedded stack: nats-server, SecantusDB and the wagate services."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from wagate_cli.children import Child, start_child, wait_until_ready
from wagate_cli.ports import LOOPBACK, PROBE_PORT_VARIABLES, PortPlan, PortRequest
from wagate_common.embedded import (
    EmbeddedServerError,
    child_environment,
    mongo_command,
    mongo_url,
    nats_command,
    wait_for_port,
)

logger = logging.getLogger(__name__)

ADMIN_KEY_FILE = "admin-api-key"
STOP_TIMEOUT_SECONDS = 20.0
READY_TIMEOUT_SECONDS = 60.0
# A service that crashes is started again, unless it crashed this many times
# within the window: then it is broken, not unlucky, and the stack stops.
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0
SERVICE_NAMES = frozenset({"sandbox", "worker", "dispatcher", "api"})


@dataclass(frozen=True)
class StackConfig:
    """The data folder and ports of the stack's processes."""

    data_dir: Path
    api_port: int
    nats_port: int
    mongo_port: int
    probe_ports: dict[str, int]
    nats_url: str | None
    mongo_url: str | None
    # Services whose probe port the user set: it is not moved when taken.
    fixed_probe_ports: frozenset[str] = frozenset()
    api_host: str = LOOPBACK
    probe_host: str = LOOPBACK


@dataclass
class Stack:
    """A running stack; :meth:`stop` ends its processes in reverse order."""

    config: StackConfig
    admin_key: str
    # The port each listener uses, by process name, from plan_ports().
    ports: dict[str, int]
    # File descriptors every child keeps open: the data folder's lock, so
    # that the folder stays locked while any process of the stack runs, also
    # when wagate up itself was killed.
    inherited_fds: tuple[int, ...] = ()
    nats_url: str = ""
    mongo_url: str = ""
    children: list[Child] = field(default_factory=list)
    restarts: dict[str, list[float]] = field(default_factory=dict)

    def start(self) -> None:
        """Start every process and wait until each is ready.

        Raises:
            EmbeddedServerError: when a process fails to start; the ones
                already started are stopped first.
        """
        try:
            self._start_servers()
            self._start_services()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the services, then the servers, each given time to finish."""
        for child in reversed(self.children):
            if child.is_running():
                logger.info("stopping %s", child.name)
            child.stop(STOP_TIMEOUT_SECONDS)
        self.children.clear()

    def exited_child(self) -> Child | None:
        """Return a process that has exited on its own, if any."""
        return next((child for child in self.children if not child.is_running()), None)

    def restart(self, crashed: Child) -> bool:
        """Start a crashed service again; False when it may not be restarted.

        The servers (nats, mongo) are not restarted: every service depends on
        them, so the stack stops instead. Neither is a service that keeps
        crashing (see MAX_RESTARTS).
        """
        if crashed.name not in SERVICE_NAMES:
            return False
        now = time.monotonic()
        recent = [
            moment
            for moment in self.restarts.get(crashed.name, [])
            if now - moment < RESTART_WINDOW_SECONDS
        ]
        if len(recent) >= MAX_RESTARTS:
            return False
        self.restarts[crashed.name] = [*recent, now]

        replacement = start_child(
            crashed.name,
            [str(part) for part in crashed.process.args],  # type: ignore[union-attr]
            child_environment(self._service_environment()),
            _name_width(),
            self.inherited_fds,
        )
        self.children[self.children.index(crashed)] = replacement
        return True

    def _start_servers(self) -> None:
        data = self.config.data_dir
        width = _name_width()
        self.nats_url = self.config.nats_url or ""
        if not self.nats_url:
            port = self.ports["nats"]
            command = nats_command(port, data / "nats")
            child = start_child(
                "nats", command, dict(os.environ), width, self.inherited_fds
            )
            self.children.append(child)
            wait_for_port(port, child.process, timeout=30)
            self.nats_url = f"nats://127.0.0.1:{port}"

        self.mongo_url = self.config.mongo_url or ""
        if not self.mongo_url:
            port = self.ports["mongo"]
            command = mongo_command(port, data / "mongo")
            child = start_child(
                "mongo", command, dict(os.environ), width, self.inherited_fds
            )
            self.children.append(child)
            wait_for_port(port, child.process, timeout=60)
            self.mongo_url = mongo_url(port)

    def _start_services(self) -> None:
        env = child_environment(self._service_environment())
        width = _name_width()
        for name, module in SERVICES:
            command = [sys.executable, "-m", module]
            child = start_child(name, command, env, width, self.inherited_fds)
            self.children.append(child)
            wait_until_ready(child, self.ready_url(name), READY_TIMEOUT_SECONDS)

    def ready_url(self, name: str) -> str:
        """Return the readiness URL of one of the services."""
        port = self.ports[name]
        return f"http://127.0.0.1:{port}/health/ready"

    def _service_environment(self) -> dict[str, str]:
        ports = self.ports
        values = {
            "WAGATE_NATS_URL": self.nats_url,
            "WAGATE_MONGO_URL": self.mongo_url,
            "WAGATE_ADMIN_API_KEY": self.admin_key,
            "WAGATE_API_PORT": str(self.config.api_port),
            "WAGATE_WORKER_PROBE_PORT": str(ports["worker"]),
            "WAGATE_WORKER_DATA_DIR": os.environ.get(
                "WAGATE_WORKER_DATA_DIR", str(self.config.data_dir / "worker")
            ),
            "WAGATE_DISPATCHER_PROBE_PORT": str(ports["dispatcher"]),
            "WAGATE_SANDBOX_PROBE_PORT": str(ports["sandbox"]),
            # The embedded stack is for building integrations on one machine:
            # the sandbox is on, and webhooks may point at local receivers.
            "WAGATE_SANDBOX_ENABLED": os.environ.get("WAGATE_SANDBOX_ENABLED", "true"),
            "WAGATE_WEBHOOK_ALLOW_PRIVATE": os.environ.get(
                "WAGATE_WEBHOOK_ALLOW_PRIVATE", "true"
            ),
        }
        return values


SERVICES = [
    ("sandbox", "wagate_sandbox"),
    ("worker", "wagate_worker"),
    ("dispatcher", "wagate_dispatcher"),
    ("api", "wagate_api"),
]


def plan_ports(config: StackConfig) -> dict[str, int]:
    """Return the port of each listener, moving the internal ones that are taken.

    The api port is claimed first, so a default probe port equal to it moves.

    Raises:
        EmbeddedServerError: when a port may not be used.
    """
    plan = PortPlan()
    api = PortRequest(
        role="api",
        host=config.api_host,
        port=config.api_port,
        may_move=False,
        setting="--api-port or WAGATE_API_PORT",
    )
    ports = {"api": plan.claim(api)}
    for name, port in config.probe_ports.items():
        probe = PortRequest(
            role=f"{name} probe",
            host=config.probe_host,
            port=port,
            may_move=name not in config.fixed_probe_ports,
            setting=PROBE_PORT_VARIABLES[name],
        )
        ports[name] = plan.claim(probe)

    # nats-server and SecantusDB listen on loopback and always may move,
    # because the services get their URLs from the stack.
    servers = [
        ("nats", config.nats_url, config.nats_port),
        ("mongo", config.mongo_url, config.mongo_port),
    ]
    for name, url, port in servers:
        if url:
            continue
        server = PortRequest(
            role=name,
            host=LOOPBACK,
            port=port,
            may_move=True,
            setting=f"--{name}-port",
        )
        ports[name] = plan.claim(server)
    return ports


def load_admin_key(data_dir: Path, configured: str | None) -> tuple[str, bool]:
    """Return the admin key and whether it was generated now.

    A configured key wins; otherwise the key stored under the data folder is
    used, or a new one is generated and stored there readable by the owner only.
    """
    if configured:
        return configured, False
    path = data_dir / ADMIN_KEY_FILE
    if path.exists():
        return path.read_text().strip(), False
    key = "wsk_" + secrets.token_urlsafe(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key, True


def _name_width() -> int:
    return max(len(name) for name, _ in [*SERVICES, ("nats", ""), ("mongo", "")])


__all__ = [
    "EmbeddedServerError",
    "Stack",
    "StackConfig",
    "load_admin_key",
    "plan_ports",
]

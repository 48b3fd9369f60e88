"""The ports of the embedded stack, checked before any process starts.

A readiness check polls a fixed port, so if another process listened on it,
that process's response would look like ours. Every port is therefore
checked first: a taken internal port moves to a free one, and a taken
user-facing or user-set port stops ``wagate up`` with an error.
"""

from __future__ import annotations

import errno
import logging
import socket
from dataclasses import dataclass

from wagate_common.embedded import EmbeddedServerError

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
PROBE_PORT_VARIABLES = {
    "worker": "WAGATE_WORKER_PROBE_PORT",
    "dispatcher": "WAGATE_DISPATCHER_PROBE_PORT",
    "sandbox": "WAGATE_SANDBOX_PROBE_PORT",
}


@dataclass(frozen=True)
class PortRequest:
    """The port one listener of the stack should use."""

    role: str
    host: str
    port: int
    may_move: bool
    # The option or variable that changes the port, named in the error.
    setting: str


class PortPlan:
    """The ports chosen so far, so that no two listeners of the stack share one."""

    def __init__(self) -> None:
        self.claimed: dict[int, str] = {}

    def claim(self, request: PortRequest) -> int:
        """Return the port ``request`` gets, moving it if taken and allowed to.

        Raises:
            EmbeddedServerError: when the port is taken and may not move, or
                when the host does not accept a listener on it at all.
        """
        owner = self.claimed.get(request.port)
        try:
            free = owner is None and is_port_free(request.host, request.port)
        except OSError as error:
            raise EmbeddedServerError(
                f"cannot listen on {request.host} port {request.port} for the "
                f"{request.role}: {error.strerror or error}"
            ) from error
        if free:
            self.claimed[request.port] = request.role
            return request.port

        reason = f"is also the {owner} port" if owner else "is already in use"
        if not request.may_move:
            raise EmbeddedServerError(
                f"{request.role} port {request.port} {reason}; "
                f"choose another with {request.setting}"
            )
        port = self._free_port(request.host)
        logger.warning(
            "%s port %d %s; using %d instead", request.role, request.port, reason, port
        )
        self.claimed[port] = request.role
        return port

    def _free_port(self, host: str) -> int:
        while True:
            port = free_port_on(host)
            if port not in self.claimed:
                return port


def is_port_free(host: str, port: int) -> bool:
    """Return whether a server could listen on ``host``:``port`` right now.

    SO_REUSEADDR is set, as asyncio servers such as uvicorn set it on Unix, so
    a port used only by closed connections in TIME_WAIT counts as free.

    Raises:
        OSError: when binding fails for a reason other than the port being in
            use, such as a host that is not a local address.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def free_port_on(host: str) -> int:
    """Return a TCP port on ``host`` that the system reports free right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])

"""The sandbox driver: a session's device on the simulated WhatsApp network."""

from wagate_worker.drivers.sandbox.auth import InvalidAuthDataError, StoredAuth
from wagate_worker.drivers.sandbox.driver import SandboxDriver, SandboxUnreachableError

__all__ = [
    "InvalidAuthDataError",
    "SandboxDriver",
    "SandboxUnreachableError",
    "StoredAuth",
]

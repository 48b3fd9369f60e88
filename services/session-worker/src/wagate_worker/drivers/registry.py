"""Driver factories by the driver name stored in each session record."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nats.aio.client import Client

from wagate_common.schemas.sessions import Driver
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import DriverListener, SessionDriver

DriverFactory = Callable[[str, Client, AuthStore, DriverListener], SessionDriver]

WHATSAPP_UNAVAILABLE = (
    "the whatsapp driver is not available in this build; use driver 'sandbox'"
)


class DriverUnavailableError(Exception):
    """No driver of that name can run in this worker."""

    def __init__(self, driver: str, reason: str) -> None:
        super().__init__(reason)
        self.driver = driver
        self.reason = reason


class DriverRegistry:
    """Factories of session drivers, by driver name."""

    def __init__(self, factories: Mapping[str, DriverFactory] | None = None) -> None:
        self._factories: dict[str, DriverFactory] = dict(factories or {})

    def register(self, name: str, factory: DriverFactory) -> None:
        """Run sessions of driver ``name`` with ``factory`` from now on."""
        self._factories[name] = factory

    def create(
        self,
        name: str,
        session_id: str,
        nats: Client,
        auth: AuthStore,
        listener: DriverListener,
    ) -> SessionDriver:
        """Create the driver of one session.

        Raises:
            DriverUnavailableError: when ``name`` has no driver in this build.
        """
        factory = self._factories.get(name)
        if factory is None:
            raise DriverUnavailableError(name, f"unknown driver '{name}'")
        return factory(session_id, nats, auth, listener)


def create_sandbox_driver(
    session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
) -> SessionDriver:
    """Create a sandbox driver; imported here so a worker without it still starts."""
    from wagate_worker.drivers.sandbox import SandboxDriver

    return SandboxDriver(session_id, nats, auth, listener)


def reject_whatsapp_driver(
    session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
) -> SessionDriver:
    """Raise: the neonize-based driver is not part of this build yet."""
    raise DriverUnavailableError(Driver.WHATSAPP.value, WHATSAPP_UNAVAILABLE)


def default_driver_registry() -> DriverRegistry:
    """Return the drivers of this build: ``sandbox``, and ``whatsapp`` as unavailable."""
    return DriverRegistry(
        {
            Driver.SANDBOX.value: create_sandbox_driver,
            Driver.WHATSAPP.value: reject_whatsapp_driver,
        }
    )

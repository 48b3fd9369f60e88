"""Driver factories by the driver name stored in each session record."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nats.aio.client import Client

from wagate_common.schemas.sessions import Driver
from wagate_common.storage.auth import AuthStore
from wagate_worker.drivers.base import DriverListener, SessionDriver
from wagate_worker.settings import WorkerSettings

DriverFactory = Callable[[str, Client, AuthStore, DriverListener], SessionDriver]

WHATSAPP_UNAVAILABLE = (
    "the whatsapp driver is not enabled in this worker; use driver 'sandbox'"
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
    """Raise: this registry runs no WhatsApp sessions."""
    raise DriverUnavailableError(Driver.WHATSAPP.value, WHATSAPP_UNAVAILABLE)


def whatsapp_driver_factory(settings: WorkerSettings) -> DriverFactory:
    """Return a factory of WhatsApp drivers configured by ``settings``.

    neonize is imported on the first session, so a worker whose platform has
    no neonize library still runs sandbox sessions.
    """

    def create(
        session_id: str, nats: Client, auth: AuthStore, listener: DriverListener
    ) -> SessionDriver:
        try:
            from wagate_worker.drivers.whatsapp import WhatsAppDriver, WhatsAppOptions
        except (ImportError, OSError) as error:
            reason = f"the whatsapp driver cannot load neonize: {error}"
            raise DriverUnavailableError(Driver.WHATSAPP.value, reason) from error

        options = WhatsAppOptions(
            data_dir=settings.data_dir,
            connect_seconds=settings.whatsapp_connect_seconds,
            pairing_seconds=settings.whatsapp_pairing_seconds,
            executor_threads=settings.whatsapp_threads,
        )
        return WhatsAppDriver(session_id, auth, listener, options)

    return create


def default_driver_registry(settings: WorkerSettings | None = None) -> DriverRegistry:
    """Return the drivers of this build.

    Without ``settings`` the ``whatsapp`` driver is reported unavailable.
    """
    whatsapp: DriverFactory = reject_whatsapp_driver
    if settings is not None:
        whatsapp = whatsapp_driver_factory(settings)
    return DriverRegistry(
        {
            Driver.SANDBOX.value: create_sandbox_driver,
            Driver.WHATSAPP.value: whatsapp,
        }
    )

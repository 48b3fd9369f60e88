"""Pairing a device with a phone, by QR code or by pairing code.

A device that connects without a token starts pairing. With QR codes the
sandbox pushes a new code every ``qr_seconds``, ``qr_rotations`` times. With a
pairing phone it pushes one pairing code, valid for the same total time. A phone may pair
only while a code is live. When no phone pairs in time, the device gets a
pairing timeout. When the device stops acknowledging pushes, pairing stops
without one.

Pairings run as tasks of this process. A pairing is also recorded on its
device, so that after a restart the sandbox tells each device it left
waiting that its connection dropped, and the device connects again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wagate_common.ids import utc_now
from wagate_common.schemas.sandbox import (
    PushDropped,
    PushPairingCode,
    PushPairingTimeout,
    PushQr,
)
from wagate_sandbox.devices import DeviceRepository, PairingMode
from wagate_sandbox.identifiers import new_pairing_code, new_qr_code
from wagate_sandbox.pushes import PushSender
from wagate_sandbox.settings import SandboxSettings

logger = logging.getLogger(__name__)


@dataclass
class Pairing:
    """A pairing in progress and its current code."""

    session_id: str
    mode: PairingMode
    code: str
    expires_at: datetime
    # The phone that must enter a pairing code; None for QR codes.
    phone: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    stopped: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def is_live(self) -> bool:
        """Return whether the current code can still be scanned or entered."""
        return not self.stopped.is_set() and utc_now() < self.expires_at

    def stop(self) -> None:
        """Make the push task end at its next step.

        Cancelling the task alone is not enough: ``asyncio.wait_for`` in Python
        3.11, which nats-py awaits a push's ack with, drops a cancellation that
        arrives together with the ack.
        """
        self.stopped.set()
        if self.task is not None:
            self.task.cancel()


class PairingManager:
    """Runs the pairings of every device that connected without a token."""

    def __init__(
        self, devices: DeviceRepository, pusher: PushSender, settings: SandboxSettings
    ) -> None:
        self._devices = devices
        self._pusher = pusher
        self._qr_seconds = settings.qr_seconds
        self._qr_rotations = settings.qr_rotations
        self._code_seconds = settings.pairing_seconds
        self._pairings: dict[str, Pairing] = {}

    async def begin(self, session_id: str, phone: str | None) -> Pairing:
        """Record a new pairing, replacing any running one; call :meth:`run` next."""
        await self.cancel(session_id)

        now = utc_now()
        if phone is None:
            pairing = Pairing(
                session_id, "qr", new_qr_code(), now + timedelta(seconds=self._qr_seconds)
            )
        else:
            expires_at = now + timedelta(seconds=self._code_seconds)
            pairing = Pairing(session_id, "code", new_pairing_code(), expires_at, phone)
        self._pairings[session_id] = pairing
        await self._devices.set_pairing(session_id, pairing.mode)
        return pairing

    def run(self, pairing: Pairing) -> None:
        """Start pushing the pairing's codes in the background."""
        if self._pairings.get(pairing.session_id) is not pairing:
            return  # replaced or claimed before it started
        pairing.task = asyncio.create_task(
            self._push_codes(pairing), name=f"pairing-{pairing.session_id}"
        )

    def get_live(self, session_id: str) -> Pairing | None:
        """Return the session's pairing while its code is live, else None."""
        pairing = self._pairings.get(session_id)
        return pairing if pairing is not None and pairing.is_live() else None

    def claim(self, session_id: str) -> Pairing | None:
        """Remove the session's live pairing and stop its pushes; return it or None.

        A second pair request for the same code then finds no pairing.
        """
        pairing = self.get_live(session_id)
        if pairing is None:
            return None
        del self._pairings[session_id]
        pairing.stop()
        return pairing

    async def cancel(self, session_id: str) -> bool:
        """Stop the session's pairing; return whether one was running."""
        pairing = self._pairings.pop(session_id, None)
        if pairing is None:
            return False
        await _stop_and_wait(pairing)
        await self._devices.set_pairing(session_id, None)
        logger.info("pairing cancelled", extra={"session_id": session_id})
        return True

    async def recover(self) -> None:
        """Tell each device left pairing by an earlier run that its connection dropped."""
        for device in await self._devices.find_pairing():
            if device.session_id in self._pairings:
                continue
            notified = await self._pusher.push(device.session_id, PushDropped())
            await self._devices.set_pairing(device.session_id, None)
            logger.info(
                "stale pairing dropped",
                extra={"session_id": device.session_id, "notified": notified},
            )

    async def stop(self) -> None:
        """Stop every pairing task; the devices stay recorded as pairing."""
        pairings = list(self._pairings.values())
        self._pairings.clear()
        for pairing in pairings:
            await _stop_and_wait(pairing)

    async def _push_codes(self, pairing: Pairing) -> None:
        extra = {"session_id": pairing.session_id, "mode": pairing.mode}
        try:
            if pairing.mode == "qr":
                answered = await self._rotate_qr_codes(pairing)
            else:
                answered = await self._push_pairing_code(pairing)
        except Exception:
            logger.exception("pairing failed", extra=extra)
            answered = False

        if self._pairings.get(pairing.session_id) is not pairing:
            return
        del self._pairings[pairing.session_id]
        await self._devices.set_pairing(pairing.session_id, None)
        if not answered:
            logger.info("pairing stopped, device not listening", extra=extra)
            return
        await self._pusher.push(pairing.session_id, PushPairingTimeout())
        logger.info("pairing timed out", extra=extra)

    async def _rotate_qr_codes(self, pairing: Pairing) -> bool:
        for rotation in range(self._qr_rotations):
            if rotation:
                pairing.code = new_qr_code()
                pairing.expires_at = utc_now() + timedelta(seconds=self._qr_seconds)
            push = PushQr(code=pairing.code, expires_at=pairing.expires_at)
            if not await self._pusher.push(pairing.session_id, push):
                return False
            await _wait_until(pairing, pairing.expires_at)
        return True

    async def _push_pairing_code(self, pairing: Pairing) -> bool:
        push = PushPairingCode(code=pairing.code, expires_at=pairing.expires_at)
        if not await self._pusher.push(pairing.session_id, push):
            return False
        await _wait_until(pairing, pairing.expires_at)
        return True


async def _wait_until(pairing: Pairing, moment: datetime) -> None:
    """Sleep until ``moment``, or raise CancelledError once the pairing is stopped."""
    delay = max((moment - utc_now()).total_seconds(), 0.0)
    try:
        async with asyncio.timeout(delay):
            await pairing.stopped.wait()
    except TimeoutError:
        return
    raise asyncio.CancelledError


async def _stop_and_wait(pairing: Pairing) -> None:
    pairing.stop()
    task = pairing.task
    if task is not None and task is not asyncio.current_task():
        # wait() neither raises the task's CancelledError nor swallows our own.
        await asyncio.wait({task})

"""Delivering message and receipt pushes in order, keeping what a device misses.

A push goes out at once only when the device is online and no older push is
kept for it. Otherwise it joins the session's pending pushes, and
:meth:`MessageDelivery.flush` sends those in order when the device next
connects.
A device that does not acknowledge a push is marked offline and gets a drop
push, so that it connects again and receives the rest.
Delivery is therefore at least once: a device that acknowledges too late gets
that push again after it reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from wagate_common.schemas.sandbox import KeptPush, PushCall, PushDropped, PushPresence
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.pending import PendingRepository
from wagate_sandbox.pushes import PushSender

logger = logging.getLogger(__name__)


class SessionLocks:
    """Hands out one lock per session; a lock no task references is garbage collected.

    The locks exist in this process only, which is one reason the sandbox
    must run as a single instance.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def get(self, session_id: str) -> asyncio.Lock:
        """Return the lock of ``session_id``, creating it when none exists."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        return lock


class MessageDelivery:
    """Ordered, kept delivery of message, receipt, reaction, revoke and group pushes.

    Each session's deliveries, flushes and discards take the session's lock,
    so pushes reach the device in the order they were accepted.
    """

    def __init__(
        self, devices: DeviceRepository, pending: PendingRepository, pusher: PushSender
    ) -> None:
        self._devices = devices
        self._pending = pending
        self._pusher = pusher
        self._locks = SessionLocks()

    async def deliver(self, session_id: str, push: KeptPush) -> bool:
        """Push to the device, or keep the push; return whether it was delivered now."""
        async with self._locks.get(session_id):
            device = await self._devices.get(session_id)
            is_online = device is not None and device.online
            if is_online and not await self._pending.has_any(session_id):
                if await self._pusher.push(session_id, push):
                    return True
                await self._mark_unreachable(session_id)

            await self._pending.append(session_id, push.kind, push.to_wire())
            logger.info(
                "push kept for offline device",
                extra={"session_id": session_id, "push": push.kind},
            )
            return False

    async def deliver_now(self, session_id: str, push: PushPresence | PushCall) -> bool:
        """Push to an online device and keep nothing; return whether it acknowledged.

        Presence and calls are only worth showing as they happen. A device
        with pushes still kept gets nothing, so that it never sees a
        presence before the messages that came earlier.
        """
        async with self._locks.get(session_id):
            device = await self._devices.get(session_id)
            if device is None or not device.online:
                return False
            if await self._pending.has_any(session_id):
                return False
            return await self._pusher.push(session_id, push)

    async def flush(self, session_id: str) -> int:
        """Push the kept pushes in order while the device acknowledges them.

        Returns:
            How many pushes the device acknowledged.
        """
        delivered = 0
        async with self._locks.get(session_id):
            while True:
                device = await self._devices.get(session_id)
                if device is None or not device.online:
                    break
                kept = await self._pending.first(session_id)
                if kept is None:
                    break
                if not await self._pusher.push_raw(session_id, kept.kind, kept.payload):
                    await self._mark_unreachable(session_id)
                    break
                await self._pending.remove(kept.id)
                delivered += 1

        if delivered:
            logger.info(
                "kept pushes delivered",
                extra={"session_id": session_id, "count": delivered},
            )
        return delivered

    async def discard(self, session_id: str) -> int:
        """Forget the pushes kept for a session; return how many there were."""
        async with self._locks.get(session_id):
            return await self._pending.clear(session_id)

    async def _mark_unreachable(self, session_id: str) -> None:
        await self._devices.set_online(session_id, False)
        notified = await self._pusher.push(session_id, PushDropped())
        logger.warning(
            "device missed a push, marked offline",
            extra={"session_id": session_id, "drop_notified": notified},
        )

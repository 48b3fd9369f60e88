"""Requests from sandbox drivers on ``wagate.sbx.net.<op>``: the network side.

Reply data of each operation (errors are described with each handler):

- ``connect`` with a valid token: ``{"state": "connected", "me": {"jid",
  "phone", "pushName"}}``. The pushes kept while the device was offline
  follow the reply.
- ``connect`` without a token: ``{"state": "pairing", "mode": "qr"|"code"}``.
  QR codes, or the pairing code, follow the reply as pushes.
- ``disconnect``: ``{"state": "disconnected"}``.
- ``logout``: ``{"state": "logged_out"}``.

``send`` is handled in :mod:`wagate_sandbox.sending`, and the live requests
(read, presence, contacts, groups) in :mod:`wagate_sandbox.session_requests`.

A driver that is pairing has no token yet: it sends an empty token to
``disconnect`` or ``logout``, which stops the pairing.
"""

from __future__ import annotations

from wagate_common.schemas.sandbox import NetConnect, NetSessionRequest
from wagate_sandbox.access import account_of, authenticate
from wagate_sandbox.delivery import MessageDelivery
from wagate_sandbox.devices import DeviceRepository
from wagate_sandbox.pairing import PairingManager
from wagate_sandbox.router import Answer
from wagate_sandbox.validation import check_phone, check_session_id, parse_request


class NetworkHandlers:
    """Handlers of the requests a session's device makes."""

    def __init__(
        self,
        devices: DeviceRepository,
        pairing: PairingManager,
        delivery: MessageDelivery,
    ) -> None:
        self._devices = devices
        self._pairing = pairing
        self._delivery = delivery

    async def connect(self, raw: bytes) -> Answer:
        """Bring a device online with its token, or start pairing it without one.

        Errors: 400 for an invalid request, 401 ``UNAUTHORIZED`` for a token
        that is unknown or revoked.
        """
        request = parse_request(NetConnect, raw)
        session_id = check_session_id(request.session_id)
        if request.token:
            return await self._resume(session_id, request.token)

        phone = None
        if request.pairing_phone is not None:
            phone = check_phone(request.pairing_phone, "pairingPhone")
        await self._devices.ensure(session_id)
        await self._devices.set_online(session_id, False)
        pairing = await self._pairing.begin(session_id, phone)

        async def push_codes() -> None:
            self._pairing.run(pairing)

        return Answer({"state": "pairing", "mode": pairing.mode}, push_codes)

    async def disconnect(self, raw: bytes) -> Answer:
        """Take a device offline, or stop its pairing; the link stays.

        Errors: 400 for an invalid request, 401 for a token that does not match.
        """
        request = parse_request(NetSessionRequest, raw)
        session_id = check_session_id(request.session_id)
        await self._pairing.cancel(session_id)
        if request.token:
            device = await authenticate(self._devices, session_id, request.token)
            await self._devices.set_online(device.session_id, False)
        return Answer({"state": "disconnected"})

    async def logout(self, raw: bytes) -> Answer:
        """Unlink a device at its own request and forget what was kept for it.

        A device that is already unlinked gets the same reply, so a retried
        logout succeeds. Errors: 400 for an invalid request, 401 for a token
        that does not match the device's link.
        """
        request = parse_request(NetSessionRequest, raw)
        session_id = check_session_id(request.session_id)
        await self._pairing.cancel(session_id)

        device = await self._devices.get(session_id)
        if request.token and device is not None and device.is_linked:
            await authenticate(self._devices, session_id, request.token)
            await self._devices.unlink(session_id)
            await self._delivery.discard(session_id)
        return Answer({"state": "logged_out"})

    async def _resume(self, session_id: str, token: str) -> Answer:
        device = await authenticate(self._devices, session_id, token)
        await self._pairing.cancel(session_id)
        await self._devices.set_online(session_id, True)

        async def push_kept() -> None:
            await self._delivery.flush(session_id)

        me = account_of(device).model_dump(by_alias=True, mode="json")
        return Answer({"state": "connected", "me": me}, push_kept)

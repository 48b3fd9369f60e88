"""Items of a session's lane: commands and the runtime's own requests, in order."""

from __future__ import annotations

from dataclasses import dataclass

from wagate_worker.commands.delivery import CommandDelivery


@dataclass(frozen=True)
class ConnectRequest:
    """Connect if the session should be connected: after a claim or a drop."""


@dataclass(frozen=True)
class FlushSends:
    """Look at the held sends again: the session connected or a timer fired."""


@dataclass(frozen=True)
class FailSends:
    """Fail every held send: the session cannot connect without the user."""

    reason: str


LaneItem = CommandDelivery | ConnectRequest | FlushSends | FailSends

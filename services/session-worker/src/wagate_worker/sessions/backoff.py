"""Exponential backoff with jitter, for reconnects and send retries."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    """Delays that double from ``base`` up to ``maximum`` seconds.

    ``jitter`` is the fraction of each delay that may be taken off at random.
    """

    base: float
    maximum: float
    jitter: float = 0.0

    def delay(self, attempt: int, draw: Callable[[], float] = random.random) -> float:
        """Return the delay before retry number ``attempt`` (0 for the first retry).

        ``draw`` returns a number in [0, 1); tests pass a fixed one.
        """
        return apply_jitter(
            capped_delay(attempt, self.base, self.maximum), self.jitter, draw
        )


def capped_delay(attempt: int, base: float, maximum: float) -> float:
    """Return ``base * 2**attempt``, at most ``maximum``."""
    # Past 2**32 the product only overflows, and the cap applies long before.
    exponent = min(max(attempt, 0), 32)
    return float(min(base * 2**exponent, maximum))


def apply_jitter(delay: float, jitter: float, draw: Callable[[], float]) -> float:
    """Take up to ``jitter * delay`` off ``delay``, by the fraction ``draw()``."""
    return delay * (1.0 - jitter * draw())

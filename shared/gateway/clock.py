"""The gateway's clock: wall time for windows, days and expiries, monotonic time for caches.

Code that reasons about time asks here rather than ``time`` directly, so a test can move
time on (a minute window turning, a cache expiring) instead of sleeping through it:

    with clock.frozen(1_700_000_000) as c:
        ...
        c.advance(61)

Durations the gateway measures (latency, time to first token) stay on ``time.perf_counter``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """UNIX time, seconds."""
        ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class FrozenClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, at: float) -> None:
        self._now = at
        self._mono = 1_000_000.0

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._mono += seconds


_clock: Clock = SystemClock()


def now() -> float:
    return _clock.now()


def monotonic() -> float:
    return _clock.monotonic()


def use(replacement: Clock) -> None:
    """Read time from ``replacement`` from now on (the local stack's movable clock)."""
    global _clock
    _clock = replacement


@contextmanager
def frozen(at: float) -> Iterator[FrozenClock]:
    """Freeze the clock at ``at`` for the block (tests)."""
    global _clock
    previous, fake = _clock, FrozenClock(at)
    _clock = fake
    try:
        yield fake
    finally:
        _clock = previous


__all__ = ["Clock", "FrozenClock", "SystemClock", "frozen", "monotonic", "now", "use"]

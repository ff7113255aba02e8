"""The local stack's clock, which tests may move forward: ``POST /_local/clock {"advance_s": 61}``.

The stack serves every function in one process, so they all read this one clock (through
``gateway.clock``). Integration tests move it on where they would otherwise wait for a
minute window to turn or a cache to lapse; it never goes back. Only the local stack has this
route: it is not in template.yaml and nothing deployed serves it.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from gateway import clock

PATH = "/_local/clock"


class OffsetClock:
    """The system clock plus an offset that only grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def monotonic(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only goes forward")
        with self._lock:
            self._offset += seconds


_clock = OffsetClock()


def install() -> OffsetClock:
    clock.use(_clock)
    return _clock


async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GET: the stack's time; POST ``{"advance_s": s}``: move it on by ``s`` seconds first."""
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    status = 200
    try:
        if scope["method"] == "POST":
            _clock.advance(float(json.loads(body or b"{}").get("advance_s", 0)))
        out: dict[str, Any] = {"now": _clock.now()}
    except (ValueError, TypeError, AttributeError) as exc:
        status, out = (
            400,
            {
                "error": {
                    "message": str(exc),
                    "type": "invalid_request_error",
                    "param": "advance_s",
                    "code": "invalid_value",
                }
            },
        )
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": json.dumps(out).encode()})

"""Per-request facts every layer may read: who asked, when, and what happened so far.

Everything a later layer needs from an earlier one travels here as a typed field (rate-limit
headers from admission, the provider and tier that served, parameters dropped), never in a
free-form dict or a module global.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway import clock
from gateway.settings import get_settings

PrincipalKind = Literal["key", "jwt", "admin"]


def _default_deadline() -> float:
    return clock.monotonic() + get_settings().function_timeout_s


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key's id, or a JWT's ``sub``."""

    id: str
    kind: PrincipalKind = "key"
    label: str | None = None
    is_admin: bool = False
    limits: dict[str, Any] = field(default_factory=dict)
    managed: bool = False
    """The admin set this principal's limits: the free tier covers any model for it (its own
    ``free_requests``); a self-serve key or an unconfigured JWT subject gets cheap models only."""


ANONYMOUS = Principal(id="", kind="key", label="anonymous")
"""The principal of a context before authentication has named one."""


@dataclass(slots=True)
class RequestContext:
    request_id: str
    principal: Principal = ANONYMOUS
    app_id: str = "Unknown"
    started: float = field(default_factory=time.perf_counter)
    started_at: float = field(default_factory=clock.now)
    deadline: float = field(default_factory=_default_deadline)
    """When the function running the request is cut off, on ``clock.monotonic()``: from the
    Lambda context where there is one (``api.common.deadline``), else ``FUNCTION_TIMEOUT_S``
    after the request's start. Work stops ``STREAM_SETTLE_MARGIN_S`` before it."""
    first_byte: float | None = None
    attempts: int = 0
    provider: str | None = None
    """The provider that served (or, for an error, was tried last)."""
    tier: str | None = None
    """The catalog tier of the model that served."""
    dropped_params: list[str] = field(default_factory=list)
    overwritten: bool = False
    """Something before the completion path changed the request (a personality's defaults)."""
    unknown_params: list[str] = field(default_factory=list)
    """Fields outside the API that ``drop_params`` dropped when the body was read."""
    limit_headers: dict[str, str] = field(default_factory=dict)
    """Rate-limit windows and budget remaining, set at admission and updated at settlement."""
    store_calls: int = 0
    store_ms: float = 0.0
    upstream_ms: float = 0.0

    def time_left(self, margin: float = 0.0) -> float:
        """Seconds until ``margin`` seconds before the deadline (negative once past)."""
        return self.deadline - margin - clock.monotonic()

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()

    def ttft_ms(self) -> float | None:
        return None if self.first_byte is None else (self.first_byte - self.started) * 1000


current_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "gateway_ctx", default=None
)
"""The request being served, for code below the routes that counts on it (the store times its calls)."""

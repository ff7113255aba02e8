"""Per-request facts every layer may read: who asked, when, and what happened so far."""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key's id, or a JWT's ``sub``."""

    id: str
    kind: str = "key"
    """``key``, ``jwt`` or ``admin``."""
    label: str | None = None
    is_admin: bool = False
    limits: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RequestContext:
    request_id: str
    principal: Principal
    app_id: str = "Unknown"
    started: float = field(default_factory=time.perf_counter)
    started_at: float = field(default_factory=time.time)
    first_byte: float | None = None
    attempts: int = 0
    provider: str | None = None
    dropped_params: list[str] = field(default_factory=list)
    store_calls: int = 0
    store_ms: float = 0.0
    upstream_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()

    def ttft_ms(self) -> float | None:
        return None if self.first_byte is None else (self.first_byte - self.started) * 1000


current_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("gateway_ctx", default=None)
"""The request being served, for code below the routes that counts on it (the store times its calls)."""

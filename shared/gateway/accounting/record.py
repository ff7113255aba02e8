"""One request's usage record, built once at settlement: what the ledger stores and the
metrics report. Both read it; neither builds its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gateway.accounting.pricing import Cost
    from gateway.accounting.usage import RawUsage

Status = Literal["ok", "error", "partial", "cancelled", "expired"]
"""``ok``; ``error`` (nothing delivered); ``partial`` (a stream broke after output); ``cancelled``
(the client went away); ``expired`` (never settled in time: charged its reservation)."""


@dataclass(frozen=True, slots=True)
class UsageRecord:
    request_id: str
    principal_id: str
    app_id: str
    model: str
    provider: str | None
    status: Status
    usage: RawUsage
    cost: Cost
    estimated: bool
    """The token counts are the gateway's estimate (the provider reported none)."""
    started_at: float
    """UNIX time the request arrived."""
    latency_ms: float
    ttft_ms: float | None
    attempts: int
    error_code: str | None = None
    images: int = 0
    """Images generated (``/v1/images/generations``)."""
    audio_seconds: float = 0.0
    """Seconds of audio transcribed, as billed (``/v1/audio/transcriptions``)."""

    @property
    def tokens(self) -> int:
        return self.usage.prompt_tokens + self.usage.completion_tokens

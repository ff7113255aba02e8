"""Settlement after a request, on every path (success, provider failure, a broken stream, a
client that went away): one usage record, one round trip that records it and charges its
actual cost against the request's hold, then its metrics.

The record is built here, once; the store keeps it and the metrics read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway import clock
from gateway.accounting.admission import remaining
from gateway.accounting.record import Status, UsageRecord
from gateway.observability import logger, record_request
from gateway.store import settlement as store

if TYPE_CHECKING:
    from gateway.accounting.admission import Admission
    from gateway.accounting.pricing import Cost
    from gateway.accounting.usage import RawUsage
    from gateway.context import RequestContext


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a request ended, as the completion path saw it."""

    status: Status
    model: str
    provider: str | None
    usage: RawUsage
    cost: Cost
    estimated: bool = False
    error_code: str | None = None
    images: int = 0
    audio_seconds: float = 0.0


def usage_record(ctx: RequestContext, outcome: Outcome) -> UsageRecord:
    return UsageRecord(
        request_id=ctx.request_id,
        principal_id=ctx.principal.id,
        app_id=ctx.app_id,
        model=outcome.model,
        provider=outcome.provider,
        status=outcome.status,
        usage=outcome.usage,
        cost=outcome.cost,
        estimated=outcome.estimated,
        started_at=ctx.started_at,
        latency_ms=ctx.elapsed_ms(),
        ttft_ms=ctx.ttft_ms(),
        attempts=ctx.attempts,
        error_code=outcome.error_code,
        images=outcome.images,
        audio_seconds=outcome.audio_seconds,
    )


async def settle(ctx: RequestContext, admission: Admission, record: UsageRecord) -> None:
    """Record ``record`` and charge it against the admission's hold, in one round trip.

    A failed request gives its free-tier request back. Raises the store's errors: the caller
    decides what an unsettled request means (``completion.settle``).
    """
    await store.settle(record, admission.hold, refund_free=record.status == "error", now=clock.now())
    if admission.hold is not None:
        ctx.limit_headers["x-gateway-budget-remaining"] = remaining(admission, record.cost.total)
    try:
        record_request(record)
    except Exception:  # settled already: a metrics failure must not read as unsettled
        logger.warning("request metrics not emitted", exc_info=True)


__all__ = ["Outcome", "settle", "usage_record"]

"""Admission before a provider is called, and settlement after.

Settlement writes the request's one usage record. Every path through ``gateway.chat``
settles exactly once: success, provider failure, mid-stream failure, client disconnect.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.billing import Cost
    from gateway.context import RequestContext
    from gateway.providers.base import RawUsage, Target
    from gateway.schemas import ChatCompletionRequest


@dataclass(slots=True)
class Admission:
    """What admission granted (and must be released or settled)."""

    reserved_usd: Decimal = Decimal(0)


@dataclass(slots=True)
class Outcome:
    status: str
    """``ok``, ``error`` (nothing delivered), ``partial`` (stream broken after output), ``cancelled``."""
    model: str
    provider: str | None
    usage: RawUsage
    cost: Cost
    estimated: bool = False
    error_code: str | None = None


async def admit(ctx: RequestContext, request: ChatCompletionRequest, targets: list[Target]) -> Admission:
    return Admission()


async def settle(ctx: RequestContext, admission: Admission, outcome: Outcome) -> None:
    from gateway.observability import record_request
    from gateway.store import usage

    await usage.record(ctx, outcome)
    record_request(ctx, outcome)

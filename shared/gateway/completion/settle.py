"""Settling a completion exactly once, whatever happened: the outcome priced, settled
shielded from cancellation, and, when the store cannot take it, logged in full instead."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import anyio

from gateway.accounting import pricing, settlement, tokens
from gateway.accounting.usage import RawUsage
from gateway.errors import StoreUnavailableError
from gateway.observability import logger
from gateway.observability import unsettled as metrics_unsettled
from gateway.store.ledger import record_item

if TYPE_CHECKING:
    from gateway.accounting.admission import Admission
    from gateway.accounting.record import Status
    from gateway.catalog.targets import Target
    from gateway.completion.attempts import Attempt
    from gateway.completion.plan import Plan
    from gateway.context import RequestContext
    from gateway.schemas import ChatCompletionRequest

_NO_COST = pricing.Cost(Decimal(0), Decimal(0), Decimal(0))


def outcome(
    status: Status,
    target: Target | None,
    model: str,
    usage: RawUsage,
    *,
    estimated: bool = False,
    error_code: str | None = None,
) -> settlement.Outcome:
    cost = pricing.price(usage, target.pricing) if target else _NO_COST
    return settlement.Outcome(
        status=status,
        model=model,
        provider=target.provider_id if target else None,
        usage=usage,
        cost=cost,
        estimated=estimated,
        error_code=error_code,
    )


def estimate(request: ChatCompletionRequest, usage: RawUsage, completion_text: str) -> tuple[RawUsage, bool]:
    """The provider's usage, or the gateway's estimate when it reported none (then True)."""
    if usage.reported:
        return usage, False
    return RawUsage(tokens.estimate_prompt(request), tokens.estimate_text(completion_text)), True


def unanswered(target: Target, request: ChatCompletionRequest, error_code: str) -> settlement.Outcome:
    """A request the provider received but never answered: an error, charged the gateway's best
    estimate of what the provider bills for it (the prompt, at the target's input price)."""
    usage = RawUsage(tokens.estimate_prompt(request), 0)
    return outcome("error", target, target.model.id, usage, estimated=True, error_code=error_code)


async def settle(ctx: RequestContext, plan: Plan, result: settlement.Outcome) -> None:
    await settle_admission(ctx, plan.admission, result)


async def settle_admission(ctx: RequestContext, admission: Admission, result: settlement.Outcome) -> None:
    """Settle one admitted request (chat's plan, or an embeddings/images/audio plan)."""
    # Shielded: a client that hangs up must not cancel its own bill.
    admission.settled = True
    record = settlement.usage_record(ctx, result)
    with anyio.CancelScope(shield=True):
        try:
            await settlement.settle(ctx, admission, record)
        except Exception as exc:  # the store down, or a settlement that kept conflicting
            # The provider has answered (and charged): the client keeps its answer, and the
            # record goes to the log in full, flagged for reconciliation, rather than nowhere.
            reason = "store unavailable" if isinstance(exc, StoreUnavailableError) else type(exc).__name__
            logger.error(f"usage not settled: {reason}", extra={"unsettled_usage": record_item(record)})
            metrics_unsettled()


async def settle_failure(
    ctx: RequestContext, plan: Plan, exc: BaseException, lost: Sequence[Attempt] = ()
) -> None:
    """Whatever escaped an attempt loop before settlement (a client's error found on the way,
    every provider failing, a bug, a cancellation): nothing was delivered, so the request is
    settled as an error, once. When the last provider tried received the request and never
    answered (``lost``), it is charged the estimate of what that provider bills (``unanswered``)."""
    if plan.admission.settled:
        return
    code = str(
        getattr(exc, "code", None)
        or ("cancelled" if isinstance(exc, asyncio.CancelledError) else "internal_error")
    )
    if lost:
        await settle(ctx, plan, unanswered(lost[-1].target, lost[-1].request, code))
        return
    await settle(ctx, plan, outcome("error", None, plan.request.model, RawUsage(), error_code=code))


__all__ = ["estimate", "outcome", "settle", "settle_admission", "settle_failure", "unanswered"]

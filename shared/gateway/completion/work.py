"""Embeddings, images and transcriptions: the unary path beside chat's, with chat's money path.

The same steps as a chat completion (``docs/ARCHITECTURE.md``), for requests that are not
chat: targets resolved with a capability filter (``catalog/targets.resolve``), the first
target's refusal the client's (later targets that cannot take the request are skipped), the
worst case held by ``accounting/admission.hold`` (each endpoint computes its own
``Reserve``), failover over the targets with chat's classifier (``attempts.failed``), and one
settlement on every path (``settle.settle_admission``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gateway.accounting import admission as accounting
from gateway.accounting import settlement
from gateway.accounting.pricing import Cost
from gateway.accounting.usage import RawUsage
from gateway.catalog.models import get_catalog
from gateway.catalog.targets import resolve
from gateway.completion.attempts import Tried, failed, malformed, order, paced
from gateway.completion.settle import settle_admission
from gateway.errors import AllProvidersFailedError, GatewayError, UpstreamError
from gateway.providers import transport
from gateway.settings import get_settings
from gateway.store import health

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.accounting.admission import Admission, Reserve
    from gateway.catalog.targets import Target
    from gateway.context import RequestContext
    from gateway.providers.base import ProviderRequest

T = TypeVar("T")
_NO_COST = Cost(Decimal(0), Decimal(0), Decimal(0))


@dataclass(slots=True)
class WorkPlan:
    model: str
    """The model asked for (what an error record names)."""
    targets: list[Target]
    admission: Admission
    cooling: frozenset[str] = frozenset()


WorkAttempt = Tried
"""What a work endpoint's ``call`` gets: a target and its share of the time (chat's ``Tried``)."""


@dataclass(slots=True)
class Done(Generic[T]):
    """One target's answer, priced: what the client gets and what the ledger records."""

    value: T
    usage: RawUsage
    cost: Cost
    images: int = 0
    audio_seconds: float = 0.0


def _fits(check: Callable[[Target], object], target: Target) -> bool:
    try:
        check(target)
    except GatewayError:
        return False
    return True


async def plan(
    ctx: RequestContext,
    model: str,
    capability: str,
    *,
    check: Callable[[Target], object],
    reserve: Callable[[list[Target]], Reserve],
    provider: str | None = None,
    fallbacks: list[str] | None = None,
) -> WorkPlan:
    """Targets with ``capability``, checked (``check`` raises the 400 a target's refusal is),
    and admitted with ``reserve(targets)`` held."""
    targets = resolve(
        get_catalog(), get_settings(), model, provider=provider, fallbacks=fallbacks, capability=capability
    )
    check(targets[0])
    targets = [targets[0], *(t for t in targets[1:] if _fits(check, t))]
    providers = list(dict.fromkeys(t.provider_id for t in targets))
    cooling = await health.cooling(providers) if len(providers) > 1 else set()
    admission = await accounting.hold(ctx, reserve(targets), targets)
    return WorkPlan(model, targets, admission, frozenset(cooling))


async def send(
    ctx: RequestContext,
    attempt: WorkAttempt,
    preq: ProviderRequest,
    map_error: Callable[[int, Any, Mapping[str, str]], GatewayError],
) -> Any:
    """One upstream call over the transport: the decoded body, or the adapter's error raised."""
    sent = time.perf_counter()
    reply = await transport.send(preq, attempt.target)
    ctx.upstream_ms += (time.perf_counter() - sent) * 1000
    if reply.status >= 300:
        raise map_error(reply.status, reply.body, reply.headers)
    return reply.body


def parsed(provider: str, parse: Callable[..., T], *args: Any) -> T:
    """``parse(*args)``, a provider's malformed answer turned into a retryable upstream error."""
    try:
        return parse(*args)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise malformed(provider, exc) from exc


async def run(
    ctx: RequestContext, plan: WorkPlan, call: Callable[[WorkAttempt], Awaitable[Done[T]]]
) -> tuple[Target, Done[T]]:
    """Fail over until one target answers; settle once whatever happens."""
    try:
        return await _run(ctx, plan, call)
    except BaseException as exc:
        if not plan.admission.settled:
            code = getattr(exc, "code", None) or (
                "cancelled" if isinstance(exc, asyncio.CancelledError) else "internal_error"
            )
            error = settlement.Outcome("error", plan.model, None, RawUsage(), _NO_COST, error_code=str(code))
            await settle_admission(ctx, plan.admission, error)
        raise


async def _run(
    ctx: RequestContext, plan: WorkPlan, call: Callable[[WorkAttempt], Awaitable[Done[T]]]
) -> tuple[Target, Done[T]]:
    """Chat's failover policy (``completion.attempts``): healthy targets first, each attempt a
    share of the time left before the function's deadline, a jittered backoff on a retry."""
    failures: list[UpstreamError] = []
    targets = order(plan.targets, plan.cooling)
    async for i, left, share in paced(targets, ctx):
        target = targets[i]
        ctx.provider = target.provider_id
        attempt = WorkAttempt(target, left, share)
        try:
            async with asyncio.timeout(attempt.budget):
                done = await call(attempt)
        except (TimeoutError, UpstreamError) as exc:
            if await failed(attempt, exc, failures):
                continue
            break
        ctx.mark_first_byte()
        ctx.tier = target.model.tier
        outcome = settlement.Outcome(
            "ok",
            target.model.id,
            target.provider_id,
            done.usage,
            done.cost,
            images=done.images,
            audio_seconds=done.audio_seconds,
        )
        await settle_admission(ctx, plan.admission, outcome)
        await health.record_success(target.provider_id)
        return target, done
    raise AllProvidersFailedError(failures)


__all__ = ["Done", "WorkAttempt", "WorkPlan", "parsed", "plan", "run", "send"]

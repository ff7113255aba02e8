"""Failover: which target to try next, with how much time, and what a failed attempt means.

One policy for both the JSON and the streaming path: ``attempts`` yields each try in order
(healthy targets first, cooling ones last; targets that cannot take the request skipped;
a jittered backoff before retrying a provider already tried), and ``failed`` classifies
what went wrong, the same way for both.

Time: failover runs until ``STREAM_SETTLE_MARGIN_S`` before the function's deadline
(``RequestContext.deadline``), and each attempt's time to first byte is its share of what is
left (``budget``): a primary that hangs loses its share, not the backup's turn.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.catalog import params
from gateway.errors import GatewayError, UpstreamError, UpstreamTimeoutError, redact
from gateway.observability import failover, logger
from gateway.providers.registry import get_adapter
from gateway.settings import get_settings
from gateway.store import health

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.completion.plan import Plan
    from gateway.context import RequestContext
    from gateway.providers.base import Adapter
    from gateway.schemas import ChatCompletionRequest

_BACKOFF_BASE_S = 0.05
_BACKOFF_CAP_S = 1.0


@dataclass(frozen=True, slots=True)
class Tried:
    """One try of any endpoint: a target and the time it may take (what ``failed`` reads)."""

    target: Target
    time_left: float
    """Seconds until the request's failover deadline."""
    budget: float
    """Seconds this attempt may wait for its first byte (its share of ``time_left``); for a
    JSON answer the whole answer, which is its first byte."""

    @property
    def provider(self) -> str:
        return self.target.provider_id

    @property
    def last_chance(self) -> bool:
        """Its budget is all the time left: when it runs out, the request's deadline has passed."""
        return self.budget >= self.time_left


@dataclass(frozen=True, slots=True)
class Attempt(Tried):
    """A chat try: also its adapter and the request fitted to the target."""

    adapter: Adapter
    request: ChatCompletionRequest
    dropped: list[str]
    """Parameters dropped to fit the target (``drop_params``)."""


def budget(left: float, remaining: int, floor: float) -> float:
    """An attempt's time to first byte: the time left split over the attempts still to make
    (this one included), at least ``floor``, never past the deadline."""
    return min(left, max(floor, left / max(1, remaining)))


def backoff(attempt: int) -> float:
    """Full-jitter exponential backoff, used only before retrying a provider already tried."""
    return random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt))


def order(targets: list[Target], cooling: frozenset[str]) -> list[Target]:
    """Healthy targets first, in order; cooling ones last, so a request is never stranded."""
    return [t for t in targets if t.provider_id not in cooling] + [
        t for t in targets if t.provider_id in cooling
    ]


async def attempts(plan: Plan, ctx: RequestContext) -> AsyncIterator[Attempt]:
    """Each attempt in failover order, counted on ``ctx``, until the failover deadline."""
    fits = []
    for target in order(plan.targets, plan.cooling):
        try:
            fits.append((target, *params.fit(plan.request, target, drop=bool(plan.request.drop_params))))
        except GatewayError:
            continue
    async for i, left, share in paced([target for target, _, _ in fits], ctx):
        target, fitted, dropped = fits[i]
        yield Attempt(
            target, left, share, adapter=get_adapter(target.provider.adapter), request=fitted, dropped=dropped
        )


async def paced(targets: list[Target], ctx: RequestContext) -> AsyncIterator[tuple[int, float, float]]:
    """The failover pacing every endpoint shares: for each target in turn, its index, the time
    left before the failover deadline and the attempt's share of it, after a jittered backoff
    when its provider was already tried; counted on ``ctx``; stops at the deadline."""
    settings = get_settings()
    margin = settings.stream_settle_margin_s
    tried: dict[str, int] = {}
    for i, target in enumerate(targets):
        left = ctx.time_left(margin)
        if left <= 0:
            return
        retry = tried.get(target.provider_id, 0)
        if retry:
            await asyncio.sleep(min(backoff(retry), left / 4))
            left = ctx.time_left(margin)
        tried[target.provider_id] = retry + 1
        ctx.attempts += 1
        yield i, left, budget(left, len(targets) - i, settings.attempt_floor_s)


def timed_out(attempt: Tried) -> UpstreamTimeoutError:
    """The failure of an attempt whose time ran out (``asyncio.timeout`` of its budget)."""
    if attempt.last_chance:
        return UpstreamTimeoutError(
            f"{attempt.provider}: the request's deadline passed", provider=attempt.provider, unanswered=True
        )
    return UpstreamTimeoutError(
        f"{attempt.provider} sent nothing within its {attempt.budget:.1f} s share of the deadline",
        provider=attempt.provider,
        retryable=True,
        unanswered=True,
    )


async def failed(attempt: Tried, exc: BaseException, failures: list[UpstreamError]) -> bool:
    """Classify a failed attempt, record it in ``failures``; True when the next target may
    succeed. An attempt that used up its share of the time fails over; the request's own
    deadline passing ends failover (there is no time for another try). A retryable provider
    failure counts against the provider's shared health, under the provider that was tried
    (a named deployment, not its adapter). Anything else (a client's error found on the way,
    a bug) is raised as it is."""
    if isinstance(exc, TimeoutError):
        exc = timed_out(attempt)
    if isinstance(exc, UpstreamError):
        exc = exc.named(attempt.provider)
        failures.append(exc)
        # The provider's own words, whole, for the operator only (the client sees ``record()``).
        logger.warning(
            "provider attempt failed",
            extra={
                "provider": exc.provider,
                "upstream_status": exc.upstream_status,
                "code": exc.code,
                "upstream_message": exc.message,
                "upstream_body": exc.body,
            },
        )
        if exc.retryable and exc.provider:
            await health.record_failure(exc.provider)
            try:
                failover(exc.provider)
            except Exception:  # a metric must never change what failover does
                logger.warning("failover metric not emitted", exc_info=True)
        return exc.retryable
    raise exc


def malformed(provider: str, exc: Exception) -> UpstreamError:
    return UpstreamError(
        f"{provider} sent a malformed response ({type(exc).__name__}: {redact(str(exc), 200)})",
        provider=provider,
        retryable=True,
    )


__all__ = ["Attempt", "Tried", "attempts", "backoff", "budget", "failed", "malformed", "order", "paced"]

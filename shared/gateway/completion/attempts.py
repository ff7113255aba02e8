"""Failover: which target to try next, with how much time, and what a failed attempt means.

One policy for both the JSON and the streaming path: ``attempts`` yields each try in order
(healthy targets first, cooling ones last; targets that cannot take the request skipped;
a jittered backoff before retrying a provider already tried), and ``failed`` classifies
what went wrong, the same way for both.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from gateway.catalog import params
from gateway.errors import GatewayError, UpstreamError, UpstreamTimeoutError
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
class Attempt:
    """One try: a target, its adapter, the request fitted to it, and the time it may take."""

    target: Target
    adapter: Adapter
    request: ChatCompletionRequest
    dropped: list[str]
    """Parameters dropped to fit the target (``drop_params``)."""
    time_left: float
    """Seconds until the request's deadline."""

    @property
    def provider(self) -> str:
        return self.target.provider_id


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff, used only before retrying a provider already tried."""
    return random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt))


def _order(targets: list[Target], cooling: frozenset[str]) -> list[Target]:
    """Healthy targets first, in order; cooling ones last, so a request is never stranded."""
    return [t for t in targets if t.provider_id not in cooling] + [
        t for t in targets if t.provider_id in cooling
    ]


async def attempts(plan: Plan, ctx: RequestContext) -> AsyncIterator[Attempt]:
    """Each attempt in failover order, counted on ``ctx``, until the request's deadline."""
    deadline = ctx.started + get_settings().request_deadline_s
    tried: dict[str, int] = {}
    for target in _order(plan.targets, plan.cooling):
        try:
            fitted, dropped = params.fit(plan.request, target, drop=bool(plan.request.drop_params))
        except GatewayError:
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            return
        retry = tried.get(target.provider_id, 0)
        if retry:
            await asyncio.sleep(min(_backoff(retry), left / 4))
            left = deadline - time.perf_counter()
        tried[target.provider_id] = retry + 1
        ctx.attempts += 1
        yield Attempt(target, get_adapter(target.provider.adapter), fitted, dropped, left)


class Tried(Protocol):
    """What ``failed`` reads of an attempt: a chat ``Attempt`` or a ``completion.work`` one."""

    @property
    def provider(self) -> str: ...


async def failed(attempt: Tried, exc: BaseException, failures: list[UpstreamError]) -> bool:
    """Classify a failed attempt, record it in ``failures``; True when the next target may
    succeed. The request's own deadline passing ends failover (there is no time for another
    try); a retryable provider failure counts against the provider's shared health. Anything
    else (a client's error found on the way, a bug) is raised as it is."""
    if isinstance(exc, TimeoutError):
        failures.append(UpstreamTimeoutError("the request's deadline passed", provider=attempt.provider))
        return False
    if isinstance(exc, UpstreamError):
        failures.append(exc)
        if exc.retryable and exc.provider:
            await health.record_failure(exc.provider)
        return exc.retryable
    raise exc


def malformed(provider: str, exc: Exception) -> UpstreamError:
    return UpstreamError(
        f"{provider} sent a malformed response ({type(exc).__name__}: {str(exc)[:200]})",
        provider=provider,
        retryable=True,
    )


__all__ = ["Attempt", "Tried", "attempts", "failed", "malformed"]

"""A non-streaming completion: fail over until one target answers, then price and settle.

A request that reached a provider whose answer never came (a read timeout, the connection
dropped after sending, the time running out mid-request, the client going away) is charged
the gateway's best estimate of what that provider bills: the prompt (``settle.unanswered``).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from gateway import clock
from gateway.accounting import pricing
from gateway.completion import legacy_functions
from gateway.completion.attempts import attempts, failed, malformed
from gateway.completion.plan import new_id
from gateway.completion.settle import estimate, outcome, settle, settle_failure
from gateway.errors import AllProvidersFailedError, UpstreamError
from gateway.providers import transport
from gateway.store import health

if TYPE_CHECKING:
    from gateway.completion.attempts import Attempt
    from gateway.completion.plan import Plan
    from gateway.context import RequestContext
    from gateway.providers.base import ProviderResult
    from gateway.schemas import ChatCompletion


async def complete(ctx: RequestContext, plan: Plan) -> ChatCompletion:
    lost: list[Attempt] = []
    try:
        return await _complete(ctx, plan, lost)
    except BaseException as exc:
        await settle_failure(ctx, plan, exc, lost)
        raise


async def _send(attempt: Attempt, ctx: RequestContext, lost: list[Attempt]) -> ProviderResult:
    """One attempt. ``lost`` gains it while its request is out and unanswered, and keeps it
    if no answer comes back (the provider may bill the prompt it read)."""
    target, adapter = attempt.target, attempt.adapter
    preq = adapter.build_request(attempt.request, target)
    async with asyncio.timeout(attempt.budget):
        sent = time.perf_counter()
        lost.append(attempt)
        try:
            reply = await transport.send(preq, target)
        except UpstreamError as exc:
            if not exc.unanswered:  # refused, or never fully sent: nothing to bill
                lost.remove(attempt)
            raise
        lost.remove(attempt)
        ctx.upstream_ms += (time.perf_counter() - sent) * 1000
    if reply.status >= 300:
        raise adapter.map_error(reply.status, reply.body, reply.headers)
    if not isinstance(reply.body, dict):
        raise UpstreamError(
            f"{attempt.provider} sent a body that is not JSON",
            provider=attempt.provider,
            upstream_status=reply.status,
            retryable=True,
            body=reply.body,
        )
    try:
        return adapter.parse_response(reply.body, target)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise malformed(attempt.provider, exc) from exc


async def _complete(ctx: RequestContext, plan: Plan, lost: list[Attempt]) -> ChatCompletion:
    failures: list[UpstreamError] = []
    async for attempt in attempts(plan, ctx):
        ctx.provider = attempt.provider
        try:
            result = await _send(attempt, ctx, lost)
        except (TimeoutError, UpstreamError) as exc:
            if await failed(attempt, exc, failures):
                continue
            break
        target = attempt.target
        ctx.mark_first_byte()
        ctx.tier, ctx.dropped_params = target.model.tier, attempt.dropped
        text = "".join(c.message.content or "" for c in result.completion.choices)
        usage, estimated = estimate(attempt.request, result.usage, text)
        settled = outcome("ok", target, target.model.id, usage, estimated=estimated)
        completion = result.completion
        completion.id = new_id()
        completion.created = completion.created or int(clock.now())
        if plan.legacy:
            legacy_functions.completion_to_legacy(completion)
        completion.provider = target.provider_id
        completion.usage = pricing.to_usage(
            usage, settled.cost, latency_ms=ctx.elapsed_ms(), ttft_ms=ctx.ttft_ms()
        )
        await settle(ctx, plan, settled)
        await health.record_success(target.provider_id)
        return completion
    raise AllProvidersFailedError(failures)


__all__ = ["complete"]

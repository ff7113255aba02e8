"""A chat completion from request to settled usage: resolve targets, admit, fail over, price, settle.

Non-streaming requests return a finished ``ChatCompletion``. Streaming requests fail over
until the first chunk is in hand (nothing has reached the client yet), then commit to that
provider: a later failure becomes an SSE error event, and what was delivered is billed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import anyio

from gateway.accounting import admission as accounting, pricing as billing, tokens
from gateway.catalog import params
from gateway.completion import legacy_functions
from gateway.catalog.models import get_catalog
from gateway.observability import logger
from gateway.observability import unsettled as metrics_unsettled
from gateway.errors import AllProvidersFailedError, GatewayError, StoreUnavailableError, UpstreamError
from gateway.providers import transport
from gateway.accounting.usage import RawUsage
from gateway.providers.base import StreamState
from gateway.providers.registry import get_adapter
from gateway.schemas import ChatCompletion, ChatCompletionChunk, ChunkChoice, Delta
from gateway.settings import get_settings
from gateway.store import health
from gateway.catalog.targets import resolve

if TYPE_CHECKING:
    from gateway.accounting.admission import Admission
    from gateway.context import RequestContext
    from gateway.catalog.targets import Target
    from gateway.providers.base import Adapter
    from gateway.schemas import ChatCompletionRequest

_BACKOFF_BASE_S = 0.05
_BACKOFF_CAP_S = 1.0


def new_id(prefix: str = "chatcmpl") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff, used only before retrying a provider already tried."""
    return random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt))


@dataclass(slots=True)
class Plan:
    targets: list[Target]
    admission: Admission
    request: ChatCompletionRequest | None = None
    """The request as adapters see it (legacy ``functions`` rewritten onto tools)."""
    legacy: bool = False
    """The client used ``functions``: answers go back as ``function_call``."""
    cooling: frozenset[str] = frozenset()
    """Providers in a shared cooldown when the request was planned (tried last, not skipped)."""


async def plan(request: ChatCompletionRequest, ctx: RequestContext) -> Plan:
    legacy = legacy_functions.uses_functions(request)
    request = legacy_functions.to_tools(request)
    targets = resolve(
        get_catalog(), get_settings(), request.model, provider=request.provider, fallbacks=request.fallbacks
    )
    # The first target's refusal is the client's to hear; later targets are skipped instead.
    params.fit(request, targets[0], drop=bool(request.drop_params))
    providers = list(dict.fromkeys(t.provider_id for t in targets))
    # With one provider there is nothing to reorder (the last option is always tried): no read.
    cooling = await health.cooling(providers) if len(providers) > 1 else set()
    admission = await accounting.admit(ctx, request, targets)
    return Plan(targets, admission, request, legacy, frozenset(cooling))


def _order(targets: list[Target], cooling: frozenset[str]) -> list[Target]:
    """Healthy targets first, in order; cooling ones last, so a request is never stranded."""
    return [t for t in targets if t.provider_id not in cooling] + [t for t in targets if t.provider_id in cooling]


async def _failed(exc: UpstreamError) -> None:
    if exc.retryable and exc.provider:
        await health.record_failure(exc.provider)


async def _attempts(
    request: ChatCompletionRequest, ctx: RequestContext, targets: list[Target], cooling: frozenset[str] = frozenset()
):
    """Yield (target, adapter, fitted request, dropped params, seconds left) per attempt, in
    failover order, skipping what cannot take the request; each yield is a counted attempt,
    after a jittered backoff when it retries a provider already tried."""
    deadline = ctx.started + get_settings().request_deadline_s
    tried: dict[str, int] = {}
    for target in _order(targets, cooling):
        try:
            fitted, dropped = params.fit(request, target, drop=bool(request.drop_params))
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
        yield target, get_adapter(target.provider.adapter), fitted, dropped, left


def _outcome(status: str, target: Target | None, model: str, usage: RawUsage, **kw) -> accounting.Outcome:
    cost = billing.price(usage, target.pricing) if target else billing.Cost(Decimal(0), Decimal(0), Decimal(0))
    return accounting.Outcome(
        status=status, model=model, provider=target.provider_id if target else None, usage=usage, cost=cost, **kw
    )


async def _settle(ctx: RequestContext, admission: Admission, outcome: accounting.Outcome) -> None:
    # Shielded: a client that hangs up must not cancel its own bill.
    admission.settled = True
    with anyio.CancelScope(shield=True):
        try:
            await accounting.settle(ctx, admission, outcome)
        except Exception as exc:  # noqa: BLE001 - the store down, or a settlement that kept conflicting
            # The provider has answered (and charged): the client keeps its answer, and the
            # record goes to the log in full, flagged for reconciliation, rather than nowhere.
            from gateway.store.ledger import record_item

            reason = "store unavailable" if isinstance(exc, StoreUnavailableError) else type(exc).__name__
            logger.error(f"usage not settled: {reason}", extra={"unsettled_usage": record_item(ctx, outcome)})
            metrics_unsettled()


def _estimate(request: ChatCompletionRequest, usage: RawUsage, completion_text: str) -> tuple[RawUsage, bool]:
    if usage.reported:
        return usage, False
    return RawUsage(tokens.estimate_prompt(request), tokens.estimate_text(completion_text)), True


# --- non-streaming ---------------------------------------------------------------------------


async def _settle_unexpected(ctx: RequestContext, the_plan: Plan, model: str, exc: BaseException) -> None:
    """Whatever escaped the failover loop before settlement (a bug, a cancellation): nothing
    was delivered, so the request is settled as an error, once."""
    if not the_plan.admission.settled:
        code = getattr(exc, "code", None) or ("cancelled" if isinstance(exc, asyncio.CancelledError) else "internal_error")
        await _settle(ctx, the_plan.admission, _outcome("error", None, model, RawUsage(), error_code=str(code)))


async def complete(request: ChatCompletionRequest, ctx: RequestContext, the_plan: Plan) -> ChatCompletion:
    try:
        return await _complete(request, ctx, the_plan)
    except BaseException as exc:
        await _settle_unexpected(ctx, the_plan, (the_plan.request or request).model, exc)
        raise


async def _complete(request: ChatCompletionRequest, ctx: RequestContext, the_plan: Plan) -> ChatCompletion:
    request = the_plan.request or request
    failures: list[UpstreamError] = []
    async for target, adapter, fitted, dropped, left in _attempts(request, ctx, the_plan.targets, the_plan.cooling):
        try:
            async with asyncio.timeout(left):
                sent = time.perf_counter()
                reply = await transport.send(adapter.build_request(fitted, target), target)
                ctx.upstream_ms += (time.perf_counter() - sent) * 1000
            if reply.status >= 300:
                raise adapter.map_error(reply.status, reply.body, reply.headers)
            if not isinstance(reply.body, dict):
                raise UpstreamError(
                    f"{target.provider_id} sent a body that is not JSON",
                    provider=target.provider_id, upstream_status=reply.status, retryable=True, body=reply.body,
                )
            try:
                result = adapter.parse_response(reply.body, target)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise _malformed(target.provider_id, exc) from exc
        except TimeoutError:
            failures.append(UpstreamError("the request's deadline passed", provider=target.provider_id, retryable=False))
            break
        except UpstreamError as exc:
            failures.append(exc)
            await _failed(exc)
            if exc.retryable:
                continue
            break
        except GatewayError as exc:
            await _settle(ctx, the_plan.admission, _outcome("error", None, request.model, RawUsage(), error_code=exc.code))
            raise
        ctx.mark_first_byte()
        ctx.provider = target.provider_id
        ctx.dropped_params = dropped
        text = "".join(c.message.content or "" for c in result.completion.choices)
        usage, estimated = _estimate(fitted, result.usage, text)
        outcome = _outcome("ok", target, target.model.id, usage, estimated=estimated)
        completion = result.completion
        completion.id = new_id()
        completion.created = completion.created or int(time.time())
        if the_plan.legacy:
            legacy_functions.completion_to_legacy(completion)
        completion.provider = target.provider_id
        completion.usage = billing.to_usage(usage, outcome.cost, latency_ms=ctx.elapsed_ms(), ttft_ms=ctx.ttft_ms())
        await _settle(ctx, the_plan.admission, outcome)
        await health.record_success(target.provider_id)
        return completion
    error = AllProvidersFailedError(failures)
    await _settle(ctx, the_plan.admission, _outcome("error", None, request.model, RawUsage(), error_code=error.code))
    raise error


# --- streaming -------------------------------------------------------------------------------


@dataclass(slots=True)
class Stream:
    """A provider stream that has produced its first chunks and is committed to."""

    request: ChatCompletionRequest
    target: Target
    adapter: Adapter
    state: StreamState
    events: AsyncIterator
    stack: AsyncExitStack
    pending: list[ChatCompletionChunk] = field(default_factory=list)


def _malformed(provider: str, exc: Exception) -> UpstreamError:
    return UpstreamError(
        f"{provider} sent a malformed response ({type(exc).__name__}: {str(exc)[:200]})",
        provider=provider, retryable=True,
    )


def _parse_event(adapter: Adapter, event, state: StreamState, provider: str) -> list[ChatCompletionChunk]:  # type: ignore[no-untyped-def]
    """The adapter's chunks for one event; an event it cannot read is the provider's failure."""
    try:
        return adapter.parse_stream_event(event, state)
    except GatewayError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _malformed(provider, exc) from exc


async def _first_chunks(adapter: Adapter, events: AsyncIterator, state: StreamState, provider: str) -> list[ChatCompletionChunk]:
    async for event in events:
        chunks = _parse_event(adapter, event, state, provider)
        if chunks or state.done:
            return chunks
    raise UpstreamError(f"{provider} ended the stream without sending an event", provider=provider, retryable=True)


async def open_stream(request: ChatCompletionRequest, ctx: RequestContext, the_plan: Plan) -> Stream:
    try:
        return await _open_stream(request, ctx, the_plan)
    except BaseException as exc:
        await _settle_unexpected(ctx, the_plan, (the_plan.request or request).model, exc)
        raise


async def _open_stream(request: ChatCompletionRequest, ctx: RequestContext, the_plan: Plan) -> Stream:
    request = the_plan.request or request
    failures: list[UpstreamError] = []
    async for target, adapter, fitted, dropped, left in _attempts(request, ctx, the_plan.targets, the_plan.cooling):
        stack = AsyncExitStack()
        state = StreamState(id=new_id(), model=target.model.id, created=int(time.time()))
        try:
            async with asyncio.timeout(left):
                reply = await stack.enter_async_context(
                    transport.open_stream(adapter.build_request(fitted, target), target)
                )
                if reply.events is None:
                    raise adapter.map_error(reply.status, reply.body, reply.headers)
                first = await _first_chunks(adapter, reply.events, state, target.provider_id)
        except (UpstreamError, TimeoutError, GatewayError) as exc:
            await stack.aclose()
            if isinstance(exc, TimeoutError):
                failures.append(UpstreamError("the request's deadline passed", provider=target.provider_id))
                break
            if not isinstance(exc, UpstreamError):
                await _settle(ctx, the_plan.admission, _outcome("error", None, request.model, RawUsage(), error_code=exc.code))
                raise
            failures.append(exc)
            await _failed(exc)
            if exc.retryable:
                continue
            break
        except BaseException:
            await stack.aclose()
            raise
        ctx.provider = target.provider_id
        ctx.dropped_params = dropped
        await health.record_success(target.provider_id)
        return Stream(fitted, target, adapter, state, reply.events, stack, first)
    error = AllProvidersFailedError(failures)
    await _settle(ctx, the_plan.admission, _outcome("error", None, request.model, RawUsage(), error_code=error.code))
    raise error


async def abandon(stream: Stream, ctx: RequestContext, the_plan: Plan) -> None:
    """A committed stream whose chunks were never read (the response could not start): close
    the provider stream and settle, unless ``chunks`` already did."""
    if the_plan.admission.settled:
        return
    with anyio.CancelScope(shield=True):
        try:
            await stream.stack.aclose()
        except Exception:  # noqa: BLE001
            logger.warning("closing an abandoned stream failed", exc_info=True)
    usage, estimated = _estimate(stream.request, stream.state.usage, "")
    await _settle(ctx, the_plan.admission,
                  _outcome("cancelled", stream.target, stream.target.model.id, usage, estimated=estimated))


def _has_content(chunk: ChatCompletionChunk) -> bool:
    """Time to first token is taken at the first content: a role-only chunk does not count."""
    return any(ch.delta.content or ch.delta.tool_calls or ch.delta.function_call for ch in chunk.choices)


def _text_of(chunks: list[ChatCompletionChunk]) -> str:
    out = []
    for c in chunks:
        for ch in c.choices:
            if ch.delta.content:
                out.append(ch.delta.content)
            for tc in ch.delta.tool_calls or ():
                if tc.function and tc.function.arguments:
                    out.append(tc.function.arguments)
    return "".join(out)


async def chunks(stream: Stream, ctx: RequestContext, the_plan: Plan) -> AsyncIterator[ChatCompletionChunk | GatewayError]:
    """Every chunk as it arrives, then a final chunk carrying usage and cost.

    A provider failure after the commit is yielded as the error (the caller renders it as an
    SSE error event). Settlement happens in ``finally``: also when the client goes away.
    """
    state, delivered = stream.state, []
    status = "cancelled"
    out = legacy_functions.chunk_to_legacy if the_plan.legacy else (lambda c: c)
    try:
        async with stream.stack:
            for c in stream.pending:
                if _has_content(c):
                    ctx.mark_first_byte()
                delivered.append(c)
                yield out(c)
            try:
                if not state.done:
                    async for event in stream.events:
                        for c in _parse_event(stream.adapter, event, state, stream.target.provider_id):
                            if _has_content(c):
                                ctx.mark_first_byte()
                            delivered.append(c)
                            yield out(c)
                        if state.done:
                            break
            except UpstreamError as exc:
                status = "partial"
                await _failed(exc)
                yield exc
                return
            status = "ok"
            usage, estimated = _estimate(stream.request, state.usage, _text_of(delivered))
            cost = billing.price(usage, stream.target.pricing)
            yield ChatCompletionChunk(
                id=state.id, created=state.created, model=state.model, choices=[], provider=stream.target.provider_id,
                usage=billing.to_usage(usage, cost, latency_ms=ctx.elapsed_ms(), ttft_ms=ctx.ttft_ms()),
            )
    finally:
        usage, estimated = _estimate(stream.request, state.usage, _text_of(delivered))
        if status != "ok" and not estimated:
            # Cut short, the provider's count may be its opening one (Anthropic's message_start
            # says output_tokens: 1): bill at least what was delivered.
            seen = tokens.estimate_text(_text_of(delivered))
            if seen > usage.completion_tokens:
                usage, estimated = dataclasses.replace(usage, completion_tokens=seen), True
        if status != "ok" and not delivered:
            status = "error" if status == "partial" else status
        outcome = _outcome(status, stream.target, stream.target.model.id, usage, estimated=estimated)
        await _settle(ctx, the_plan.admission, outcome)


__all__ = ["Plan", "Stream", "abandon", "chunks", "complete", "new_id", "open_stream", "plan"]

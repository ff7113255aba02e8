"""A streaming completion: fail over until the first chunk is in hand (nothing has reached the
client yet), then commit to that provider. A later failure becomes an SSE error event, and
what was delivered is billed, also when the client goes away.

A stream stops reading ``STREAM_SETTLE_MARGIN_S`` before the function's deadline: it ends
with a ``deadline_exceeded`` error event and settles what was delivered, so Lambda never
cuts a stream that has not been billed."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from gateway import clock
from gateway.accounting import pricing, tokens
from gateway.accounting.record import Status
from gateway.completion import legacy_functions
from gateway.completion.attempts import Attempt, attempts, failed, malformed
from gateway.completion.plan import new_id
from gateway.completion.settle import estimate, outcome, settle, settle_failure
from gateway.errors import AllProvidersFailedError, DeadlineExceededError, GatewayError, UpstreamError
from gateway.observability import logger
from gateway.providers import transport
from gateway.providers.base import StreamState
from gateway.schemas import ChatCompletionChunk, ChunkChoice, Delta
from gateway.settings import get_settings
from gateway.store import health

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.completion.plan import Plan
    from gateway.context import RequestContext
    from gateway.providers.base import Adapter
    from gateway.schemas import ChatCompletionRequest


@dataclass(slots=True)
class Stream:
    """A provider stream that has produced its first chunks and is committed to."""

    request: ChatCompletionRequest
    target: Target
    adapter: Adapter
    state: StreamState
    events: AsyncIterator[Any]
    stack: AsyncExitStack
    pending: list[ChatCompletionChunk] = field(default_factory=list)


def _parse_event(
    adapter: Adapter, event: Any, state: StreamState, provider: str
) -> list[ChatCompletionChunk]:
    """The adapter's chunks for one event; an event it cannot read is the provider's failure."""
    try:
        return adapter.parse_stream_event(event, state)
    except GatewayError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise malformed(provider, exc) from exc


async def _first_chunks(
    adapter: Adapter, events: AsyncIterator[Any], state: StreamState, provider: str
) -> list[ChatCompletionChunk]:
    async for event in events:
        chunks = _parse_event(adapter, event, state, provider)
        if chunks or state.done:
            return chunks
    raise UpstreamError(
        f"{provider} ended the stream without sending an event", provider=provider, retryable=True
    )


async def open_stream(ctx: RequestContext, plan: Plan) -> Stream:
    lost: list[Attempt] = []
    try:
        return await _open_stream(ctx, plan, lost)
    except BaseException as exc:
        await settle_failure(ctx, plan, exc, lost)
        raise


async def _open_stream(ctx: RequestContext, plan: Plan, lost: list[Attempt]) -> Stream:
    """Fail over until a stream's first chunks are in hand. ``lost`` keeps the last attempt
    whose provider accepted the request and then never sent a chunk (it may bill the prompt)."""
    failures: list[UpstreamError] = []
    async for attempt in attempts(plan, ctx):
        target, adapter = attempt.target, attempt.adapter
        ctx.provider = attempt.provider
        stack = AsyncExitStack()
        state = StreamState(id=new_id(), model=target.model.id, created=int(clock.now()))
        try:
            async with asyncio.timeout(attempt.budget):
                reply = await stack.enter_async_context(
                    transport.open_stream(adapter.build_request(attempt.request, target), target)
                )
                if reply.events is None:
                    raise adapter.map_error(reply.status, reply.body, reply.headers)
                lost[:] = [attempt]
                first = await _first_chunks(adapter, reply.events, state, attempt.provider)
        except (TimeoutError, UpstreamError) as exc:
            await stack.aclose()
            if lost and lost[-1] is attempt and isinstance(exc, UpstreamError) and not exc.unanswered:
                lost.clear()  # the provider said no (an error event): nothing to bill
            if await failed(attempt, exc, failures):
                continue
            break
        except BaseException:
            await stack.aclose()
            raise
        lost.clear()
        ctx.tier, ctx.dropped_params = target.model.tier, attempt.dropped
        await health.record_success(target.provider_id)
        return Stream(attempt.request, target, adapter, state, reply.events, stack, first)
    raise AllProvidersFailedError(failures)


async def abandon(stream: Stream, ctx: RequestContext, plan: Plan) -> None:
    """A committed stream whose chunks were never read (the response could not start): close
    the provider stream and settle, unless ``chunks`` already did."""
    if plan.admission.settled:
        return
    with anyio.CancelScope(shield=True):
        try:
            await stream.stack.aclose()
        except Exception:
            logger.warning("closing an abandoned stream failed", exc_info=True)
    usage, estimated = estimate(stream.request, stream.state.usage, "")
    await settle(
        ctx, plan, outcome("cancelled", stream.target, stream.target.model.id, usage, estimated=estimated)
    )


def _has_content(chunk: ChatCompletionChunk) -> bool:
    """Time to first token is taken at the first content: a role-only chunk does not count."""
    return any(ch.delta.content or ch.delta.tool_calls or ch.delta.function_call for ch in chunk.choices)


def _text_of(chunks: list[ChatCompletionChunk]) -> str:
    out = []
    for c in chunks:
        for ch in c.choices:
            if ch.delta.content:
                out.append(ch.delta.content)
            out.extend(
                tc.function.arguments
                for tc in ch.delta.tool_calls or ()
                if tc.function and tc.function.arguments
            )
    return "".join(out)


def _identity(chunk: ChatCompletionChunk) -> ChatCompletionChunk:
    return chunk


async def _nothing() -> AsyncIterator[Any]:
    return
    yield


class _OutOfTime(Exception):
    """The function's deadline, less the settle margin, came before the stream's end."""


async def _until(events: AsyncIterator[Any], ctx: RequestContext) -> AsyncIterator[Any]:
    """``events`` until the stream's stop time: each read is cut when the time runs out, so a
    provider that stalls mid-stream cannot carry the stream past it either."""
    margin = get_settings().stream_settle_margin_s
    it = aiter(events)
    while True:
        left = ctx.time_left(margin)
        if left <= 0:
            raise _OutOfTime
        try:
            async with asyncio.timeout(left):
                event = await anext(it)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise _OutOfTime from None
        yield event


async def _received(stream: Stream, ctx: RequestContext) -> AsyncIterator[ChatCompletionChunk]:
    """The provider's chunks in order: those the commit read, then the rest until it is done
    (``UpstreamError`` or ``_OutOfTime`` when it breaks or time runs out)."""
    for c in stream.pending:
        yield c
    # The first chunks may have ended the stream already.
    events = _nothing() if stream.state.done else _until(stream.events, ctx)
    async for event in events:
        for c in _parse_event(stream.adapter, event, stream.state, stream.target.provider_id):
            yield c
        if stream.state.done:
            break


def _finishes(chunk: ChatCompletionChunk) -> bool:
    return any(ch.finish_reason for ch in chunk.choices)


async def chunks(
    stream: Stream, ctx: RequestContext, plan: Plan
) -> AsyncGenerator[ChatCompletionChunk | GatewayError, None]:
    """Every chunk as it arrives, and the usage with its cost at the end.

    OpenAI's rule for where the usage goes: with ``stream_options.include_usage`` a last chunk
    with empty ``choices`` carries it; otherwise it rides on the final chunk that carries the
    ``finish_reason`` (held back until the stream ends), so clients that read
    ``chunk.choices[0]`` on every chunk never meet an empty list and the cost still arrives.

    A provider failure after the commit is yielded as the error (the caller renders it as an
    SSE error event). Settlement happens in ``finally``: also when the client goes away.
    """
    state, delivered = stream.state, []
    status: Status = "cancelled"
    out: Callable[[ChatCompletionChunk], ChatCompletionChunk] = (
        legacy_functions.chunk_to_legacy if plan.legacy else _identity
    )
    usage_chunk = bool(stream.request.stream_options and stream.request.stream_options.include_usage)
    held: ChatCompletionChunk | None = None
    try:
        async with stream.stack:
            try:
                async for c in _received(stream, ctx):
                    if _has_content(c):
                        ctx.mark_first_byte()
                    delivered.append(c)
                    if held is not None:
                        yield out(held)
                        held = None
                    if not usage_chunk and _finishes(c):
                        held = c  # the usage joins it once the stream is done
                        continue
                    yield out(c)
            except UpstreamError as exc:
                status = "partial"
                exc = exc.named(stream.target.provider_id)
                if exc.retryable and exc.provider:
                    await health.record_failure(exc.provider)
                if held is not None:
                    yield out(held)
                yield exc
                return
            except _OutOfTime:
                status = "partial"
                if held is not None:
                    yield out(held)
                yield DeadlineExceededError(
                    "The response reached the gateway's time limit and was cut short; "
                    "what was delivered is billed."
                )
                return
            status = "ok"
            usage, _ = estimate(stream.request, state.usage, _text_of(delivered))
            cost = pricing.price(usage, stream.target.pricing)
            priced = pricing.to_usage(usage, cost, latency_ms=ctx.elapsed_ms(), ttft_ms=ctx.ttft_ms())
            if usage_chunk:
                last = ChatCompletionChunk(
                    id=state.id, created=state.created, model=state.model, choices=[], usage=priced
                )
            elif held is not None:
                last = held.model_copy(update={"usage": priced})
            else:  # the provider ended without a finish_reason: say how it ended, with the usage
                last = ChatCompletionChunk(
                    id=state.id,
                    created=state.created,
                    model=state.model,
                    choices=[
                        ChunkChoice(index=0, delta=Delta(), finish_reason=state.finish_reason or "stop")
                    ],
                    usage=priced,
                )
            last.provider = stream.target.provider_id
            yield out(last)
    finally:
        usage, estimated = estimate(stream.request, state.usage, _text_of(delivered))
        if status != "ok" and not estimated:
            # Cut short, the provider's count may be its opening one (Anthropic's message_start
            # says output_tokens: 1): bill at least what was delivered.
            seen = tokens.estimate_text(_text_of(delivered))
            if seen > usage.completion_tokens:
                usage, estimated = dataclasses.replace(usage, completion_tokens=seen), True
        if status != "ok" and not delivered:
            status = "error" if status == "partial" else status
        await settle(
            ctx, plan, outcome(status, stream.target, stream.target.model.id, usage, estimated=estimated)
        )


__all__ = ["Stream", "abandon", "chunks", "open_stream"]

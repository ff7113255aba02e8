"""Run a chat request through the chat path and write the response: what /v1/chat/completions,
/v1/completions and /v1/router (``execute: true``) share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.responses import Response

from gateway.api import sse
from gateway.api.common import gateway_headers
from gateway.completion import streaming, unary
from gateway.completion.plan import plan as plan_completion

if TYPE_CHECKING:
    from gateway.context import RequestContext
    from gateway.schemas import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest


def _json(completion: ChatCompletion) -> str:
    return completion.model_dump_json(exclude_none=True)


async def serve(
    body: ChatCompletionRequest,
    ctx: RequestContext,
    *,
    render_chunk: Callable[[ChatCompletionChunk], str] = sse.chat_chunk,
    render: Callable[[ChatCompletion], str] = _json,
    tier: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Plan, then stream (SSE) or complete (JSON). X-Gateway-Tier is the tier of the model that
    served, unless ``tier`` replaces it (a routed request reports the prompt's tier);
    ``headers`` are added."""
    plan = await plan_completion(body, ctx)
    extra = headers or {}
    if body.stream:
        stream = await streaming.open_stream(ctx, plan)
        items = streaming.chunks(stream, ctx, plan)
        frames = sse.encode(items, render_chunk)

        async def close() -> None:
            # Settle even if the body was never iterated (the response could not start).
            await frames.aclose()
            await items.aclose()
            await streaming.abandon(stream, ctx, plan)

        try:
            out = gateway_headers(ctx, stream.target.model.id, tier or ctx.tier, None)
        except BaseException:
            await close()
            raise
        return sse.response(frames, {**out, **extra}, on_close=close)
    completion = await unary.complete(ctx, plan)
    cost = completion.usage.total_cost_usd if completion.usage else None
    out = gateway_headers(ctx, completion.model, tier or ctx.tier, cost)
    return Response(render(completion), media_type="application/json", headers={**out, **extra})

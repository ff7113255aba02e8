"""POST /v1/chat/completions. ``model: "auto"``, or no ``model`` at all (the schema's default,
as in Pura), routes the prompt first (gateway.semantic_routing.auto, imported only then: it
brings numpy and the embedding weights)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gateway.api._serve import serve
from gateway.api.common import context, read_body
from gateway.api.route_table import APIRouter
from gateway.schemas import ChatCompletionRequest

if TYPE_CHECKING:
    from starlette.responses import Response

    from gateway.context import RequestContext

router = APIRouter()

AUTO = "auto"


async def route_auto(
    body: ChatCompletionRequest, ctx: RequestContext
) -> tuple[ChatCompletionRequest, dict[str, Any]]:
    """For ``model: "auto"`` (or none): the request with the routed model, and serve()'s tier
    (the prompt's complexity tier, which X-Gateway-Tier reports) and router headers."""
    if body.model != AUTO:
        return body, {}
    from gateway.semantic_routing import auto as autoroute

    decision = await autoroute.decide(body.messages, None, autoroute.default_cost_weight(ctx))
    return body.model_copy(update={"model": decision.model}), {
        "tier": decision.tier,
        "headers": decision.headers(),
    }


@router.post("/v1/chat/completions")
async def create_chat_completion(request: Request) -> Response:
    ctx = await context(request)
    body = await read_body(request, ChatCompletionRequest, ctx.unknown_params)
    if body.personality is not None:
        # Imported on a personality's first use: its presets and store cost ~2 ms of every
        # cold start otherwise, and most requests name none.
        from gateway.completion import personality

        body, ctx.overwritten = await personality.apply(body)
    body, routed = await route_auto(body, ctx)
    return await serve(body, ctx, **routed)

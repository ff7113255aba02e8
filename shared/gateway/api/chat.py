"""POST /v1/chat/completions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway import chat
from gateway.api import sse
from gateway.api.common import context, gateway_headers, read_body
from gateway.schemas import ChatCompletionRequest

router = APIRouter()


@router.post("/v1/chat/completions")
async def create_chat_completion(request: Request) -> Response:
    ctx = await context(request)
    body = await read_body(request, ChatCompletionRequest)
    plan = await chat.plan(body, ctx)
    if body.stream:
        stream = await chat.open_stream(body, ctx, plan)
        headers = gateway_headers(ctx, stream.target.model.id, stream.target.model.tier, None)
        return sse.response(sse.encode(chat.chunks(stream, ctx, plan), sse.chat_chunk), headers)
    completion = await chat.complete(body, ctx, plan)
    model = plan.targets[0].model
    headers = gateway_headers(ctx, completion.model, model.tier, completion.usage.total_cost_usd)
    return Response(completion.model_dump_json(exclude_none=True), media_type="application/json", headers=headers)

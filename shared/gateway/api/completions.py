"""POST /v1/completions: the legacy text completion, served through the chat path and reshaped."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway import chat
from gateway.api import sse
from gateway.api.common import context, gateway_headers, read_body
from gateway.schemas import ChatCompletion, ChatCompletionChunk, Completion, CompletionChoice, CompletionRequest


def to_completion(c: ChatCompletion) -> Completion:
    return Completion(
        id=c.id.replace("chatcmpl", "cmpl", 1),
        created=c.created,
        model=c.model,
        provider=c.provider,
        usage=c.usage,
        choices=[
            CompletionChoice(index=ch.index, text=ch.message.content or "", finish_reason=ch.finish_reason)
            for ch in c.choices
        ],
    )


def completion_chunk(chunk: ChatCompletionChunk) -> str:
    data = {
        "id": chunk.id.replace("chatcmpl", "cmpl", 1),
        "object": "text_completion",
        "created": chunk.created,
        "model": chunk.model,
        "choices": [
            {"index": ch.index, "text": ch.delta.content or "", "finish_reason": ch.finish_reason, "logprobs": None}
            for ch in chunk.choices
        ],
    }
    if chunk.usage is not None:
        data["usage"] = chunk.usage.model_dump(exclude_none=True)
    if chunk.provider:
        data["provider"] = chunk.provider
    return json.dumps(data, separators=(",", ":"))


router = APIRouter()


@router.post("/v1/completions")
async def create_completion(request: Request) -> Response:
    ctx = await context(request)
    body = (await read_body(request, CompletionRequest)).to_chat()
    plan = await chat.plan(body, ctx)
    if body.stream:
        stream = await chat.open_stream(body, ctx, plan)
        headers = gateway_headers(ctx, stream.target.model.id, stream.target.model.tier, None)
        return sse.response(sse.encode(chat.chunks(stream, ctx, plan), completion_chunk), headers)
    completion = to_completion(await chat.complete(body, ctx, plan))
    headers = gateway_headers(ctx, completion.model, plan.targets[0].model.tier, completion.usage.total_cost_usd)
    return Response(completion.model_dump_json(exclude_none=True), media_type="application/json", headers=headers)

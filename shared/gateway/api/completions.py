"""POST /v1/completions: the legacy text completion, served through the chat path and reshaped."""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from gateway.api._serve import serve
from gateway.api.chat import route_auto
from gateway.api.common import context, read_body, validation_error
from gateway.api.route_table import APIRouter
from gateway.schemas import (
    ChatCompletion,
    ChatCompletionChunk,
    Completion,
    CompletionChoice,
    CompletionRequest,
)


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
            {
                "index": ch.index,
                "text": ch.delta.content or "",
                "finish_reason": ch.finish_reason,
                "logprobs": None,
            }
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
    legacy = await read_body(request, CompletionRequest)
    try:
        chat = legacy.to_chat()
    except ValidationError as exc:  # anything chat refuses is the client's 400, never a 500
        raise validation_error(exc) from None
    body, routed = await route_auto(chat, ctx)
    return await serve(
        body,
        ctx,
        render_chunk=completion_chunk,
        render=lambda c: to_completion(c).model_dump_json(exclude_none=True),
        **routed,
    )

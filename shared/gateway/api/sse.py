"""Server-sent events out: one ``data:`` frame per chunk, an error frame if the provider
breaks after the stream began, and ``[DONE]`` always last."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

import anyio
from starlette.responses import StreamingResponse

from gateway.errors import GatewayError
from gateway.schemas import ChatCompletionChunk

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
DONE = b"data: [DONE]\n\n"


def frame(payload: str) -> bytes:
    return b"data: " + payload.encode() + b"\n\n"


async def encode(
    items: AsyncGenerator[ChatCompletionChunk | GatewayError, None],
    render: Callable[[ChatCompletionChunk], str],
) -> AsyncGenerator[bytes, None]:
    # aclosing: a break must settle the stream (its ``finally``) now, before [DONE], not at GC.
    async with aclosing(items) as it:
        async for item in it:
            if isinstance(item, GatewayError):
                yield frame(json.dumps(item.to_envelope()))
                break
            yield frame(render(item))
    yield DONE


class _Response(StreamingResponse):
    """Runs ``on_close`` however the response ends, also when its body was never iterated."""

    on_close: Callable[[], Awaitable[None]] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.on_close is not None:
                with anyio.CancelScope(shield=True):
                    await self.on_close()


def response(
    body: AsyncIterator[bytes], headers: dict[str, str], on_close: Callable[[], Awaitable[None]] | None = None
) -> StreamingResponse:
    out = _Response(body, media_type="text/event-stream", headers={**SSE_HEADERS, **headers})
    out.on_close = on_close
    return out


def chat_chunk(chunk: ChatCompletionChunk) -> str:
    return chunk.model_dump_json(exclude_none=True)

"""The simulator's HTTP face: one prefix per provider, fault injection, and counters.

    /openai/v1/chat/completions   /openai/v1/completions     OpenAI
    /groq/openai/v1/chat/completions                          Groq
    /mistral/v1/chat/completions                              Mistral
    /together/v1/chat/completions                             Together (OpenAI-compatible)
    /anthropic/v1/messages                                    Anthropic (JSON, or SSE with "stream": true)
    /gemini/v1beta/models/{model}:generateContent             Gemini
    /gemini/v1beta/models/{model}:streamGenerateContent?alt=sse
    /bedrock/model/{modelId}/converse | /converse-stream     Bedrock (JSON, or the AWS event stream)

    Beyond chat (``work_format.py``), with the same fault injection:
    /{openai,mistral,together}/…/embeddings                   OpenAI-style embeddings (JSON)
    /gemini/v1beta/models/{model}:batchEmbedContents          Gemini embeddings
    /bedrock/model/{modelId}/invoke                           Titan/Cohere embeddings, Nova Canvas/Titan images
    /openai/v1/images/generations                             b64_json, or url (served as binary PNG
    /_sim/images/{name}.png                                     from here)
    /gemini/v1beta/models/{image model}:generateContent       inlineData (base64) images
    /{openai,groq}/…/audio/transcriptions                     multipart upload; json/text/srt/vtt/verbose_json

Faults are armed over HTTP, per provider, for the next N requests::

    POST /_sim/faults {"provider": "openai", "fault": "status", "status": 503, "count": 2}
    fault: status | timeout (sleeps "seconds") | malformed (200 with a broken body)
           | disconnect (drops the connection after "after" stream events; a JSON answer is cut
             after its headers) | slow ("delay_ms" per event)
    status faults may echo the caller's key in the error body, as some providers and proxies
    do: "echo_key": "masked" (OpenAI's "Incorrect API key provided: sk-ab****cdef") | "full"
    DELETE /_sim/faults          disarm everything
    GET /_sim/stats              requests served per provider
    POST /_sim/config {"latency_ms": 0, "token_interval_ms": 0}
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from local.simulator import (
    anthropic_format,
    bedrock_format,
    engine,
    gemini_format,
    openai_format,
    work_format,
)

CONFIG: dict[str, float] = {
    "latency_ms": float(os.environ.get("SIM_LATENCY_MS", "0")),
    "token_interval_ms": float(os.environ.get("SIM_TOKEN_INTERVAL_MS", "0")),
}
FAULTS: dict[str, list[dict[str, Any]]] = {}
STATS: Counter[str] = Counter()


class Disconnect(Exception):
    """Raised inside a streaming body: the server drops the connection mid-stream."""


def take_fault(provider: str) -> dict[str, Any] | None:
    queue = FAULTS.get(provider) or []
    while queue:
        fault = queue[0]
        if fault.get("count", 1) <= 0:
            queue.pop(0)
            continue
        fault["count"] = fault.get("count", 1) - 1
        return dict(fault)
    return None


async def sse_body(frames: list[str] | list[bytes], fault: dict[str, Any] | None) -> AsyncIterator[bytes]:
    interval = CONFIG["token_interval_ms"] / 1000
    if fault and fault["fault"] == "slow":
        interval = fault.get("delay_ms", 200) / 1000
    for i, frame in enumerate(frames):
        if fault and fault["fault"] == "disconnect" and i >= fault.get("after", 2):
            raise Disconnect("simulated disconnect")
        if interval and i:
            await asyncio.sleep(interval)
        if isinstance(frame, bytes):  # a binary frame (the AWS event stream) goes out as it is
            yield frame
        else:
            yield frame.encode() if frame.startswith(("event:", "data:")) else f"data: {frame}\n\n".encode()


def _echo_key(request: Request, message: str, *, full: bool) -> str:
    """The caller's credential in an error message: whole, or masked as OpenAI masks it."""
    auth = request.headers.get("authorization", "")
    key = (
        auth.partition(" ")[2]
        or request.headers.get("x-api-key")
        or request.headers.get("x-goog-api-key")
        or request.query_params.get("key")
        or ""
    )
    if full:
        return f"{message} (received authorization: Bearer {key})"
    return f"Incorrect API key provided: {key[:12]}{'*' * 16}{key[-6:]}. {message}"


async def serve(
    request: Request,
    provider: str,
    parse: Callable[[dict[str, Any]], engine.Turn],
    render: Callable[[engine.Reply, str, str], dict[str, Any]],
    stream: Callable[[engine.Reply, str, str, bool], list[str]],
    error: Callable[[int, str], dict[str, Any]],
    *,
    model: str | None = None,
    streaming: bool | None = None,
    include_usage: Callable[[dict[str, Any]], bool] = lambda b: bool(
        (b.get("stream_options") or {}).get("include_usage")
    ),
) -> Response:
    fault, early = await _arrive(provider, error, request)
    if early is not None:
        return early
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse(error(400, "body is not JSON"), status_code=400)
    if fault and fault["fault"] == "malformed":
        if body.get("stream") if streaming is None else streaming:
            broken = [b'data: {"id": "broken", "choices": [\n\n']
            return StreamingResponse(iter(broken), media_type="text/event-stream")
        return Response('{"id": "broken", "choices": [', media_type="application/json")
    model = model or body.get("model", "unknown")
    reply = engine.reply(parse(body))
    rid = f"sim-{uuid.uuid4().hex[:16]}"
    is_stream = body.get("stream") if streaming is None else streaming
    if is_stream:
        frames = stream(reply, model, rid, include_usage(body))
        return StreamingResponse(sse_body(frames, fault), media_type="text/event-stream")
    if fault and fault["fault"] == "disconnect":
        # The request was read and answered in part: the connection drops mid-body.
        return StreamingResponse(_cut(json.dumps(render(reply, model, rid))), media_type="application/json")
    return JSONResponse(render(reply, model, rid))


async def _cut(text: str) -> AsyncIterator[bytes]:
    yield text[: len(text) // 2].encode()
    raise Disconnect("simulated disconnect")


async def _arrive(
    provider: str, error: Callable[[int, str], dict[str, Any]], request: Request | None = None
) -> tuple[dict[str, Any] | None, Response | None]:
    """Count the request, wait out the configured latency and an armed timeout, and answer an
    armed status fault (echoing the caller's key where the fault asks and ``request`` is
    given); the fault, and the answer when the call ends here."""
    STATS[provider] += 1
    fault = take_fault(provider)
    if CONFIG["latency_ms"]:
        await asyncio.sleep(CONFIG["latency_ms"] / 1000)
    if fault and fault["fault"] == "timeout":
        await asyncio.sleep(fault.get("seconds", 30))
    if fault and fault["fault"] == "status":
        status = int(fault.get("status", 500))
        headers = {"retry-after": "1"} if status == 429 else {}
        message = fault.get("message", f"simulated {status}")
        if fault.get("echo_key") and request is not None:
            message = _echo_key(request, message, full=fault["echo_key"] == "full")
        return fault, JSONResponse(error(status, message), status_code=status, headers=headers)
    return fault, None


async def fault_for(provider: str, error: Callable[[int, str], dict[str, Any]]) -> Response | None:
    """Count the request and apply an armed fault (status, timeout, malformed) to a non-chat call."""
    fault, early = await _arrive(provider, error)
    if early is not None:
        return early
    if fault and fault["fault"] == "malformed":
        return Response('{"data": [{"embedding": ', media_type="application/json")
    return None


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def work_routes(prefix: str, provider: str) -> list[Route]:
    """Embeddings, images (OpenAI) and transcriptions (OpenAI, Groq) under an OpenAI-style prefix."""
    f = openai_format

    async def embeddings(request: Request) -> Response:
        if (early := await fault_for(provider, f.error)) is not None:
            return early
        body = await _json_body(request)
        if body is None or "input" not in body:
            return JSONResponse(f.error(400, "body is not JSON with `input`"), status_code=400)
        extra = set(body) - {"model", "input", "encoding_format", "dimensions", "user", "output_dimension"}
        if provider == "mistral" and (extra or "encoding_format" in body or "user" in body):
            return JSONResponse(
                f.error(422, f"extra fields: {sorted(extra | {'encoding_format', 'user'} & set(body))}"),
                status_code=422,
            )
        return JSONResponse(work_format.openai_embeddings(body))

    async def images(request: Request) -> Response:
        if (early := await fault_for(provider, f.error)) is not None:
            return early
        body = await _json_body(request)
        if body is None or not body.get("prompt"):
            return JSONResponse(f.error(400, "`prompt` is required"), status_code=400)
        base = str(request.base_url).rstrip("/") + "/_sim/images"
        return JSONResponse(work_format.openai_images(body, base))

    async def transcriptions(request: Request) -> Response:
        if (early := await fault_for(provider, f.error)) is not None:
            return early
        from gateway.media import duration, multipart

        try:
            form = multipart.parse(request.headers.get("content-type", ""), await request.body())
        except Exception as exc:
            return JSONResponse(f.error(400, f"not a multipart form: {exc}"), status_code=400)
        upload = form.files.get("file")
        if upload is None or "model" not in form.fields:
            return JSONResponse(f.error(400, "`file` and `model` are required"), status_code=400)
        fmt, seconds = duration.read(upload.data)
        if fmt is None:
            return JSONResponse(f.error(400, "unsupported audio format"), status_code=400)
        answer, media = work_format.transcription(
            provider, str(form.fields["model"]), form.fields, upload.filename, seconds
        )
        if isinstance(answer, str):
            return Response(answer, media_type=media)
        return JSONResponse(answer)

    routes = [Route(f"{prefix}/embeddings", embeddings, methods=["POST"])]
    if provider in ("openai", "together"):
        routes.append(Route(f"{prefix}/images/generations", images, methods=["POST"]))
    if provider in ("openai", "groq"):
        routes.append(Route(f"{prefix}/audio/transcriptions", transcriptions, methods=["POST"]))
    return routes


async def image_file(request: Request) -> Response:
    """The binary PNG behind an images ``url`` answer."""
    return Response(work_format.png(request.path_params["name"]), media_type="image/png")


def openai_routes(prefix: str, provider: str, *, always_usage: bool = False) -> list[Route]:
    """``always_usage``: the provider ends every stream with usage unasked (Mistral has no stream_options)."""
    f = openai_format
    usage_rule = {"include_usage": lambda b: True} if always_usage else {}

    async def chat(request: Request) -> Response:
        return await serve(
            request, provider, f.parse_chat, f.render_chat, f.stream_chat, f.error, **usage_rule
        )

    async def completions(request: Request) -> Response:
        return await serve(
            request, provider, f.parse_completion, f.render_completion, f.stream_completion, f.error
        )

    return [
        Route(f"{prefix}/chat/completions", chat, methods=["POST"]),
        Route(f"{prefix}/completions", completions, methods=["POST"]),
    ]


def anthropic_routes(prefix: str) -> list[Route]:
    f = anthropic_format

    async def messages(request: Request) -> Response:
        # Anthropic streams always carry usage (message_start and message_delta).
        return await serve(
            request, "anthropic", f.parse, f.render, f.stream, f.error, include_usage=lambda b: True
        )

    return [Route(f"{prefix}/v1/messages", messages, methods=["POST"])]


def gemini_routes(prefix: str) -> list[Route]:
    f = gemini_format

    async def generate(request: Request) -> Response:
        model, _, method = request.path_params["target"].partition(":")
        if method == "batchEmbedContents" or (method == "generateContent" and "image" in model):
            if (early := await fault_for("gemini", f.error)) is not None:
                return early
            body = await _json_body(request)
            if body is None:
                return JSONResponse(f.error(400, "body is not JSON"), status_code=400)
            if method == "batchEmbedContents":
                return JSONResponse(work_format.gemini_embeddings(body))
            return JSONResponse(work_format.gemini_image(body))
        if method not in ("generateContent", "streamGenerateContent"):
            return JSONResponse(f.error(404, f"unknown method {method!r}"), status_code=404)
        streaming = method == "streamGenerateContent"
        if streaming and request.query_params.get("alt") != "sse":
            return JSONResponse(f.error(400, "the simulator streams only with alt=sse"), status_code=400)
        return await serve(
            request,
            "gemini",
            f.parse,
            f.render,
            f.stream,
            f.error,
            model=model,
            streaming=streaming,
            include_usage=lambda b: True,
        )

    return [Route(f"{prefix}/v1beta/models/{{target}}", generate, methods=["POST"])]


def bedrock_routes(prefix: str) -> list[Route]:
    f = bedrock_format

    def handler(streaming: bool):  # type: ignore[no-untyped-def]  # a Starlette endpoint factory
        async def converse(request: Request) -> Response:
            return await serve(
                request,
                "bedrock",
                f.parse,
                f.render,
                f.stream,
                f.error,
                model=request.path_params["model_id"],
                streaming=streaming,
                include_usage=lambda b: True,
            )

        return converse

    async def invoke(request: Request) -> Response:
        if (early := await fault_for("bedrock", f.error)) is not None:
            return early
        model = request.path_params["model_id"]
        body = await _json_body(request)
        if body is None:
            return JSONResponse(f.error(400, "body is not JSON"), status_code=400)
        if "embed" in model:
            answer, used = work_format.bedrock_embeddings(model, body)
            return JSONResponse(answer, headers={"X-Amzn-Bedrock-Input-Token-Count": str(used)})
        if body.get("taskType") == "TEXT_IMAGE":
            return JSONResponse(work_format.bedrock_images(body))
        return JSONResponse(f.error(400, f"the simulator cannot invoke {model}"), status_code=400)

    return [
        Route(f"{prefix}/model/{{model_id}}/invoke", invoke, methods=["POST"]),
        Route(f"{prefix}/model/{{model_id}}/converse", handler(False), methods=["POST"]),
        Route(f"{prefix}/model/{{model_id}}/converse-stream", handler(True), methods=["POST"]),
    ]


async def faults(request: Request) -> Response:
    if request.method == "DELETE":
        FAULTS.clear()
        return JSONResponse({"faults": {}})
    spec = await request.json()
    FAULTS.setdefault(spec["provider"], []).append(spec)
    return JSONResponse({"faults": FAULTS})


async def config(request: Request) -> Response:
    CONFIG.update({k: float(v) for k, v in (await request.json()).items() if k in CONFIG})
    return JSONResponse(CONFIG)


async def stats(request: Request) -> Response:
    if request.method == "DELETE":
        STATS.clear()
    return JSONResponse(dict(STATS))


def routes() -> list[Route]:
    return [
        *openai_routes("/openai/v1", "openai"),
        *openai_routes("/groq/openai/v1", "groq"),
        *openai_routes("/mistral/v1", "mistral", always_usage=True),
        *openai_routes("/together/v1", "together"),
        *work_routes("/openai/v1", "openai"),
        *work_routes("/groq/openai/v1", "groq"),
        *work_routes("/mistral/v1", "mistral"),
        *work_routes("/together/v1", "together"),
        Route("/_sim/images/{name}", image_file, methods=["GET"]),
        *anthropic_routes("/anthropic"),
        *gemini_routes("/gemini"),
        *bedrock_routes("/bedrock"),
        Route("/_sim/faults", faults, methods=["POST", "DELETE"]),
        Route("/_sim/config", config, methods=["POST"]),
        Route("/_sim/stats", stats, methods=["GET", "DELETE"]),
    ]


app = Starlette(routes=routes())

# Base URLs of each simulated provider, relative to the simulator's root, as each SDK takes them.
BASE_PATHS = {
    "openai": "/openai/v1",
    "groq": "/groq/openai/v1",
    "mistral": "/mistral/v1",
    "together": "/together/v1",
    "anthropic": "/anthropic",
    "gemini": "/gemini",
    "bedrock": "/bedrock",
}

"""POST /v1/embeddings: OpenAI's embeddings, on every provider the catalog lists for them.

Inputs beyond a model's batch limit (catalog ``embedding.max_batch``) are sent in batches and
joined in order; ``dimensions`` is checked against the model (a 400 naming it, or dropped with
``drop_params``); ``encoding_format: base64`` is the gateway's encoding of the floats, so every
provider answers it. The hold is every input token at the dearest target's input price.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from gateway.accounting import pricing, tokens
from gateway.accounting.admission import PROMPT_MARGIN, Reserve
from gateway.accounting.usage import RawUsage
from gateway.api.common import context, gateway_headers, read_body
from gateway.api.route_table import APIRouter
from gateway.completion import work
from gateway.errors import InvalidRequestError, UnsupportedParamError
from gateway.providers.embeddings import EmbeddingBatch
from gateway.providers.registry import embedding_adapter
from gateway.schemas.embeddings import Embedding, EmbeddingList, EmbeddingRequest, EmbeddingUsage

if TYPE_CHECKING:
    from starlette.requests import Request

    from gateway.catalog.targets import Target
    from gateway.providers.embeddings import Embedded, EmbeddingAdapter

router = APIRouter()


def count(item: str | list[int]) -> int:
    return len(item) if isinstance(item, list) else tokens.estimate_text(item)


def dimensions_for(body: EmbeddingRequest, target: Target) -> int | None:
    """The ``dimensions`` this target gets: the request's, None when dropped; raises the 400."""
    spec = target.model.embedding
    if body.dimensions is None or spec is None:
        return None
    where = f"`{target.model.id}` on provider `{target.provider_id}`"
    if spec.allowed_dimensions is None and spec.min_dimensions is None:
        if body.drop_params:
            return None
        raise UnsupportedParamError(
            f"`dimensions` is not supported by {where}: it always returns {spec.dimensions} dimensions. "
            "Remove it, or set `drop_params: true`.",
            param="dimensions",
        )
    ok = (
        body.dimensions in spec.allowed_dimensions
        if spec.allowed_dimensions is not None
        else (spec.min_dimensions or 1) <= body.dimensions <= spec.dimensions
    )
    if not ok:
        accepted = (
            ", ".join(map(str, spec.allowed_dimensions))
            if spec.allowed_dimensions is not None
            else f"{spec.min_dimensions} to {spec.dimensions}"
        )
        raise InvalidRequestError(
            f"Invalid value for 'dimensions': {body.dimensions}; {where} accepts {accepted}.",
            param="dimensions",
            code="invalid_value",
        )
    return body.dimensions


def check(body: EmbeddingRequest, inputs: list[str | list[int]], target: Target) -> None:
    spec = target.model.embedding
    if spec is not None and not spec.token_arrays and any(isinstance(i, list) for i in inputs):
        raise UnsupportedParamError(
            f"`input` as token ids is not supported by `{target.model.id}` on provider "
            f"`{target.provider_id}`; send text.",
            param="input",
        )
    dimensions_for(body, target)


def batches(inputs: list[str | list[int]], size: int) -> list[list[str | list[int]]]:
    return [inputs[i : i + size] for i in range(0, len(inputs), size)]


def encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


@router.post("/v1/embeddings")
async def create_embeddings(request: Request) -> Response:
    ctx = await context(request)
    body = await read_body(request, EmbeddingRequest)
    inputs = body.inputs()
    counted = sum(count(i) for i in inputs)

    def reserve(targets: list[Target]) -> Reserve:
        held = math.ceil(counted * PROMPT_MARGIN)
        return Reserve(max(pricing.max_cost(held, 0, t.pricing) for t in targets), counted)

    plan = await work.plan(
        ctx,
        body.model,
        "embeddings",
        check=lambda t: check(body, inputs, t),
        reserve=reserve,
        provider=body.provider,
        fallbacks=body.fallbacks,
    )

    async def call(attempt: work.WorkAttempt) -> work.Done[list[list[float]]]:
        target = attempt.target
        adapter = embedding_adapter(target.provider.adapter)
        dims = dimensions_for(body, target)
        size = target.model.embedding.max_batch if target.model.embedding else len(inputs)
        vectors: list[list[float]] = []
        used = 0
        for chunk in batches(inputs, size):
            preq = adapter.build_request(EmbeddingBatch(chunk, dims, body.user), target)
            answer = await work.send(ctx, attempt, preq, adapter.map_error)
            out = work.parsed(target.provider_id, _parse, adapter, answer, target, len(chunk))
            vectors += out.vectors
            used += out.prompt_tokens if out.prompt_tokens is not None else sum(count(i) for i in chunk)
        ctx.dropped_params = ["dimensions"] if body.dimensions is not None and dims is None else []
        usage = RawUsage(prompt_tokens=used, reported=True)
        return work.Done(vectors, usage, pricing.price(usage, target.pricing))

    target, done = await work.run(ctx, plan, call)
    answer = EmbeddingList(
        data=[
            Embedding(index=i, embedding=encode(v, body.encoding_format)) for i, v in enumerate(done.value)
        ],
        model=target.model.id,
        provider=target.provider_id,
        usage=EmbeddingUsage(
            prompt_tokens=done.usage.prompt_tokens,
            total_tokens=done.usage.prompt_tokens,
            input_cost_usd=float(done.cost.input),
            total_cost_usd=float(done.cost.total),
            latency_ms=round(ctx.elapsed_ms(), 2),
        ),
    )
    headers = gateway_headers(ctx, target.model.id, target.model.tier, float(done.cost.total))
    return Response(answer.model_dump_json(exclude_none=True), media_type="application/json", headers=headers)


def _parse(adapter: EmbeddingAdapter, answer: Any, target: Target, sent: int) -> Embedded:
    out = adapter.parse_response(answer, target)
    if len(out.vectors) != sent:
        raise ValueError(f"{len(out.vectors)} embeddings for {sent} inputs")
    return out

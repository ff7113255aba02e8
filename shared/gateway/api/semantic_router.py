"""POST /v1/router (route a prompt, optionally run it) and GET /v1/router/profiles (the Lunar seed)."""

from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.api import sse
from gateway.api._serve import serve
from gateway.api.common import context, gateway_headers, read_body
from gateway.api.route_table import APIRouter
from gateway.catalog.models import get_catalog
from gateway.schemas import ChatCompletion, ChatCompletionChunk
from gateway.schemas.router import RouterRequest
from gateway.semantic_routing import auto as autoroute

router = APIRouter()
profiles_router = APIRouter()


@router.post("/v1/router")
async def route(request: Request) -> Response:
    ctx = await context(request)
    body = await read_body(request, RouterRequest)
    cost_weight = body.cost_weight if body.cost_weight is not None else autoroute.default_cost_weight(ctx)
    decision = await autoroute.decide(body.messages, body.models, cost_weight)
    view = decision.to_dict()
    if not body.execute:
        headers = {**gateway_headers(ctx, decision.model, decision.tier, None), **decision.headers()}
        return JSONResponse({"object": "router.decision", **view}, headers=headers)

    def with_decision(completion: ChatCompletion) -> str:
        return json.dumps({**completion.model_dump(exclude_none=True), "router": view}, separators=(",", ":"))

    first = True

    def chunk_with_decision(chunk: ChatCompletionChunk) -> str:
        # The decision rides on the first chunk, so a streaming client sees it before any text.
        nonlocal first
        if not first:
            return sse.chat_chunk(chunk)
        first = False
        return json.dumps({**chunk.model_dump(exclude_none=True), "router": view}, separators=(",", ":"))

    return await serve(
        body.to_chat(decision.model),
        ctx,
        render=with_decision,
        render_chunk=chunk_with_decision,
        tier=decision.tier,
        headers=decision.headers(),
    )


def _profiles() -> dict[str, Any]:
    from gateway.catalog.servable import unservable_reason
    from gateway.semantic_routing import default_router
    from gateway.settings import get_settings

    settings, catalog = get_settings(), get_catalog()
    r = default_router(settings.routing.profiles_path)
    models = autoroute.routable(catalog, r)
    data = []
    for name, p in sorted(r.profiles.items()):
        m = models.get(name)
        why = unservable_reason(m, catalog, settings) if m else "no catalog model has this profile"
        data.append(
            {
                "profile": name,
                "model": m.id if m else None,
                "status": m.status if m else None,
                "servable": why is None,
                "not_servable_because": why,
                "source": p.source,
                "validation_size": p.validation_size,
                "date": p.date,
                "mean_cost_usd": p.mean_cost_usd,
                "cluster_error": list(p.cluster_error),
                "subcluster_error": {str(k): list(e) for k, e in sorted(p.subcluster_error.items())},
            }
        )
    return {
        "object": "list",
        "embedding": r.config.embedding,
        "num_clusters": r.config.num_clusters,
        "assignment": r.config.assignment,
        "subclusters": {str(k): n for k, n in r.refinement.sizes.items()},
        "data": data,
    }


@profiles_router.get("/v1/router/profiles")
async def list_profiles(request: Request) -> JSONResponse:
    await context(request)
    return JSONResponse(await anyio.to_thread.run_sync(_profiles))

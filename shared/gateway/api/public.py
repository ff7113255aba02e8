"""GET /public/models: the catalog for anyone, no key, in the Lunos seed's shape.

    {"status": "success",
     "data": {"models": [{id, provider, created, object, owned_by, capabilities,
                          pricing: {input, output, unit, currency}}]},
     "meta": {"processing_time": <ms>}}

``pricing`` is per ``unit``: USD per token (chat, completions, embeddings), per image (the
model's default quality and size; ``/v1/models/{id}`` has the whole table) or per minute of
audio. Retired models are left out: nothing serves them. Answers carry ``Cache-Control``
(the list changes with a deploy), so browsers and any CDN in front cache it; API Gateway's
stage throttling applies as to every route.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from gateway.api.route_table import APIRouter
from gateway.catalog.models import ModelInfo, get_catalog

if TYPE_CHECKING:
    from starlette.requests import Request

router = APIRouter()

CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=60"
_MILLION = Decimal(1_000_000)


def _per_token(x: float) -> float:
    return float(Decimal(str(x)) / _MILLION)


def pricing(m: ModelInfo) -> dict[str, Any]:
    p = m.pricing
    if m.image is not None and p.per_image:
        unit_price = p.per_image[f"{m.image.default_quality}/{m.image.default_size}"]
        return {"input": 0.0, "output": unit_price, "unit": "image", "currency": "USD"}
    if p.per_minute is not None:
        return {"input": p.per_minute, "output": 0.0, "unit": "minute", "currency": "USD"}
    return {"input": _per_token(p.input), "output": _per_token(p.output), "unit": "token", "currency": "USD"}


def public_view(m: ModelInfo) -> dict[str, Any]:
    return {
        "id": m.id,
        "provider": m.providers[0].provider,
        "created": m.created,
        "object": "model",
        "owned_by": m.owned_by,
        "capabilities": m.capabilities,
        "pricing": pricing(m),
    }


@router.get("/public/models")
async def public_models(request: Request) -> JSONResponse:
    started = time.perf_counter()
    models = [public_view(m) for m in get_catalog().models if m.status != "retired"]
    took = round((time.perf_counter() - started) * 1000, 3)
    return JSONResponse(
        {"status": "success", "data": {"models": models}, "meta": {"processing_time": took}},
        headers={"cache-control": CACHE_CONTROL},
    )

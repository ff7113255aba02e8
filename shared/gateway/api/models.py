"""GET /v1/models (OpenAI's list, each model with pricing and capabilities, as the Lunos seed)
and GET /v1/providers?model=ID (the Lunar seed's primary/backup list)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway import clock
from gateway.api.common import context
from gateway.api.route_table import APIRouter
from gateway.catalog.models import ModelInfo, Pricing, get_catalog
from gateway.catalog.targets import split_model
from gateway.store import health

router = APIRouter()
providers_router = APIRouter()

_MILLION = Decimal(1_000_000)


def _per_token(x: float | None) -> float | None:
    return None if x is None else float(Decimal(str(x)) / _MILLION)


def pricing_view(p: Pricing) -> dict[str, Any]:
    return {
        "input": _per_token(p.input),
        "output": _per_token(p.output),
        "cached_input": _per_token(p.cached_input if p.cached_input is not None else p.input),
        "unit": "image" if p.per_image else "minute" if p.per_minute is not None else "token",
        "currency": "USD",
        "per_million": p.model_dump(mode="json", exclude_none=True),
    }


def model_view(m: ModelInfo) -> dict[str, Any]:
    return {
        "id": m.id,
        "object": "model",
        "created": m.created,
        "owned_by": m.owned_by,
        "provider": m.providers[0].provider,
        "providers": [s.provider for s in m.providers],
        "tier": m.tier,
        "context_window": m.context_window,
        "max_output_tokens": m.max_output_tokens,
        "capabilities": m.capabilities,
        "pricing": pricing_view(m.pricing),
        "aliases": m.aliases,
        "routing_profile": m.profile,
        "status": m.status,
    }


@router.get("/v1/models")
async def list_models(request: Request) -> JSONResponse:
    await context(request)
    catalog = get_catalog()
    return JSONResponse({"object": "list", "data": [model_view(m) for m in catalog.models]})


@router.get("/v1/models/{model_id:path}")
async def retrieve_model(model_id: str, request: Request) -> JSONResponse:
    await context(request)
    model, _ = split_model(get_catalog(), model_id)
    return JSONResponse(model_view(model))


@providers_router.get("/v1/providers")
async def list_providers(request: Request, model: str = "gpt-4o-mini") -> JSONResponse:
    await context(request)
    catalog = get_catalog()
    info, _ = split_model(catalog, model)
    now = clock.now()
    states = await health.read([s.provider for s in info.providers], now=now)
    out = []
    for i, served in enumerate(info.providers):
        provider = catalog.providers[served.provider]
        state = states[provider.id]
        out.append(
            {
                "id": provider.id,
                "type": "primary" if i == 0 else "backup",
                "enabled": provider.enabled,
                "cooling_down": state.cooling(now),
                "cooldown_until": (
                    datetime.fromtimestamp(state.cooldown_until, UTC).isoformat(timespec="seconds")
                    if state.cooling(now)
                    else None
                ),
                "params": {
                    "model": served.model,
                    "accepted_params": sorted(catalog.accepted_params(info, served)),
                    "pricing": pricing_view(catalog.pricing(info, served)),
                },
            }
        )
    return JSONResponse({"model": info.id, "providers": out})

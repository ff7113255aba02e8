"""GET /v1/models (OpenAI's list, each model with pricing and capabilities, as the Lunos seed),
GET /v1/providers?model=ID (the Lunar seed's primary/backup list) and GET /v1/openapi.json
(the API's contract, served by the models function)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway import clock
from gateway.api.common import context, read_query
from gateway.api.route_table import APIRouter
from gateway.catalog.models import ModelInfo, Pricing, get_catalog
from gateway.catalog.targets import split_model
from gateway.schemas.models import (
    ModelList,
    ModelView,
    PricingView,
    ProviderParams,
    ProvidersQuery,
    ProvidersView,
    ProviderView,
)
from gateway.store import health

router = APIRouter()
providers_router = APIRouter()

_MILLION = Decimal(1_000_000)


def _per_token(x: float | None) -> float | None:
    return None if x is None else float(Decimal(str(x)) / _MILLION)


def pricing_view(p: Pricing) -> PricingView:
    return PricingView(
        input=_per_token(p.input),
        output=_per_token(p.output),
        cached_input=_per_token(p.cached_input if p.cached_input is not None else p.input),
        unit="image" if p.per_image else "minute" if p.per_minute is not None else "token",
        per_million=p.model_dump(mode="json", exclude_none=True),
    )


def model_view(m: ModelInfo) -> ModelView:
    return ModelView(
        id=m.id,
        created=m.created,
        owned_by=m.owned_by,
        provider=m.providers[0].provider,
        providers=[s.provider for s in m.providers],
        tier=m.tier,
        context_window=m.context_window,
        max_output_tokens=m.max_output_tokens,
        capabilities=m.capabilities,
        pricing=pricing_view(m.pricing),
        aliases=m.aliases,
        routing_profile=m.profile,
        status=m.status,
    )


def _json(model: BaseModel) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"))


@router.get("/v1/models")
async def list_models(request: Request) -> JSONResponse:
    await context(request)
    catalog = get_catalog()
    return _json(ModelList(data=[model_view(m) for m in catalog.models]))


@router.get("/v1/models/{model_id:path}")
async def retrieve_model(model_id: str, request: Request) -> JSONResponse:
    await context(request)
    model, _ = split_model(get_catalog(), model_id)
    return _json(model_view(model))


@router.get("/v1/openapi.json")
async def openapi_document(request: Request) -> JSONResponse:
    """The API's OpenAPI 3.1 document, generated from ``schemas/`` (unauthenticated)."""
    from gateway.api.openapi import document

    return JSONResponse(document())


@providers_router.get("/v1/providers")
async def list_providers(request: Request) -> JSONResponse:
    await context(request)
    model = read_query(request, ProvidersQuery).model
    catalog = get_catalog()
    info, _ = split_model(catalog, model)
    now = clock.now()
    states = await health.read([s.provider for s in info.providers], now=now)
    out = []
    for i, served in enumerate(info.providers):
        provider = catalog.providers[served.provider]
        state = states[provider.id]
        out.append(
            ProviderView(
                id=provider.id,
                type="primary" if i == 0 else "backup",
                enabled=provider.enabled,
                cooling_down=state.cooling(now),
                cooldown_until=(
                    datetime.fromtimestamp(state.cooldown_until, UTC).isoformat(timespec="seconds")
                    if state.cooling(now)
                    else None
                ),
                params=ProviderParams(
                    model=served.model,
                    accepted_params=sorted(catalog.accepted_params(info, served)),
                    pricing=pricing_view(catalog.pricing(info, served)),
                ),
            )
        )
    return _json(ProvidersView(model=info.id, providers=out))

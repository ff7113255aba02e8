"""GET /v1/models, /v1/models/{id} and /v1/providers: the catalog as clients see it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class PricingView(BaseModel):
    input: float | None
    """USD per input token."""
    output: float | None
    """USD per output token."""
    cached_input: float | None
    """USD per cached input token (the input price where the provider gives no discount)."""
    unit: Literal["token", "image", "minute"] = "token"
    """What the prices are per: a token, an image (the model's default quality and size) or a minute of audio."""
    currency: Literal["USD"] = "USD"
    per_million: dict[str, Any]
    """The catalog's price entry as the providers publish it: USD per million tokens, per
    image (by quality and size) or per minute, with its source and date where given."""


class ModelView(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str
    provider: str
    """The primary provider."""
    providers: list[str]
    """Every provider serving the model, in failover order."""
    tier: Literal["cheap", "mid", "premium"]
    context_window: int
    max_output_tokens: int
    """The largest ``max_tokens`` / ``max_completion_tokens`` a request to this model may ask for."""
    capabilities: list[str]
    pricing: PricingView
    aliases: list[str]
    routing_profile: str | None
    status: Literal["active", "deprecated", "retired"]


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelView]


class ProviderParams(BaseModel):
    model: str
    """The model's id in the provider's own API."""
    accepted_params: list[str]
    pricing: PricingView


class ProviderView(BaseModel):
    id: str
    type: Literal["primary", "backup"]
    enabled: bool
    cooling_down: bool
    cooldown_until: str | None
    """ISO 8601, while the provider is in a shared cooldown."""
    params: ProviderParams


class ProvidersView(BaseModel):
    model: str
    providers: list[ProviderView]


class ProvidersQuery(BaseModel):
    """GET /v1/providers query parameters."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(default="gpt-4o-mini", min_length=1, max_length=256)
    """A catalog model id or alias, optionally ``provider/model``."""

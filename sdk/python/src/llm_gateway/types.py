"""Typed responses of the gateway's own routes (everything else is the ``openai`` package's types).

Field names and types follow the gateway's wire shapes: ``gateway.schemas.keys`` and
``gateway.schemas.wallet`` where the gateway has a schema (``tests/sdk/test_types.py`` compares
the JSON schemas), the live responses of the local stack elsewhere. Unknown fields are kept
(``extra="allow"``), so a newer gateway never breaks an older SDK.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- GET /v1/providers ---------------------------------------------------------------------


class Pricing(_Model):
    input: float | None = None
    """USD per input token."""
    output: float | None = None
    """USD per output token."""
    cached_input: float | None = None
    unit: str = "token"
    currency: str = "USD"
    per_million: dict[str, float] = {}
    """The same prices in USD per million tokens, as the catalog states them."""


class ProviderParams(_Model):
    model: str
    """The model id at this provider."""
    accepted_params: list[str]
    pricing: Pricing


class Provider(_Model):
    id: str
    type: str
    """``primary`` or ``backup``."""
    enabled: bool
    cooling_down: bool
    cooldown_until: str | None = None
    """ISO 8601, while the provider is cooling down after failures."""
    params: ProviderParams


class ProviderList(_Model):
    model: str
    providers: list[Provider]


# --- POST /v1/router, GET /v1/router/profiles -----------------------------------------------


class RouterCandidate(_Model):
    model: str
    profile: str
    predicted_error: float
    cost_usd: float
    normalized_cost: float
    score: float
    """predicted_error + cost_weight x normalized_cost: the lowest wins."""


class RouterDecision(_Model):
    object: str = "router.decision"
    selected_model: str
    method: str
    """``uniroute`` or ``tier``."""
    reason: str
    tier: str | None = None
    cost_weight: float
    candidates: list[RouterCandidate]
    cluster_weights: list[float]
    subcluster_weights: dict[str, list[float]] = {}
    """Refined cluster (by index) -> the prompt's weight on each of its sub-clusters; empty
    without a refinement."""


class RoutingProfile(_Model):
    profile: str
    model: str | None = None
    status: str | None = None
    servable: bool
    not_servable_because: str | None = None
    source: str | None = None
    validation_size: int | None = None
    date: str | None = None
    mean_cost_usd: float | None = None
    cluster_error: list[float]
    subcluster_error: dict[str, list[float]] = {}
    """Refined cluster -> this model's error in each of its sub-clusters, where it was counted
    in them."""


class RoutingProfiles(_Model):
    object: str = "list"
    embedding: str
    num_clusters: int
    assignment: str
    subclusters: dict[str, int] = {}
    """Refined cluster -> its number of sub-clusters."""
    data: list[RoutingProfile]


# --- /v1/keys --------------------------------------------------------------------------------


class Key(_Model):
    """A key as the gateway shows it: never the key itself or its hash."""

    id: str
    label: str | None = None
    prefix: str
    kind: str = "key"
    status: str
    limits: dict[str, Any]
    created_at: str | None = None
    spend_today_usd: float | None = None
    requests_today: int | None = None
    free_requests_used: int | None = None
    free_requests_allowance: int | None = None
    """The key's free requests in all (its ``free_requests`` limit, else the gateway's default)."""
    free_requests_remaining: int | None = None
    free_tier_models: list[str] | None = None
    """What the free requests cover: catalog tiers or model ids (``["*"]``: every model)."""


class KeyCreated(Key):
    key: str
    """The plain key. Shown once: the gateway keeps only its hash."""


class KeyList(_Model):
    object: str = "list"
    data: list[Key]
    next_cursor: str | None = None


class KeyDeleted(_Model):
    id: str
    object: str = "key"
    deleted: bool
    status: str


# --- /v1/wallet ------------------------------------------------------------------------------


class Invoice(_Model):
    invoiceId: str
    status: str
    """``pending`` until paid, then ``credited``."""
    amount: int
    """Satoshis."""
    amountUsd: float
    paymentRequest: str | None = None
    """The BOLT11 invoice to pay."""
    lightningUrl: str | None = None
    invoiceUrl: str | None = None
    backend: str
    balanceUsd: float | None = None


class Balance(_Model):
    balanceUsd: float
    availableUsd: float
    """Balance minus the holds of requests in flight."""
    freeRequestsUsed: int
    freeRequestsTotal: int
    satsUsdRate: float


# --- GET /v1/report --------------------------------------------------------------------------


class Spend(_Model):
    spendUsd: float
    requests: int
    tokens: int
    images: int | None = None
    """Images generated (present where any were)."""
    audioSeconds: float | None = None
    """Seconds of audio transcribed (present where any were)."""


class HourlySpend(Spend):
    hour: str
    perModel: dict[str, float]


class Report(_Model):
    period: str
    scope: str
    """``key`` (one key's) or ``all`` (the gateway's, for the admin key)."""
    keyId: str | None = None
    generatedAt: str
    windowStart: str
    windowEnd: str
    totalSpendUsd: float
    requestCount: int
    averageCostUsd: float
    totalTokens: int
    perModel: dict[str, Spend]
    perProvider: dict[str, Spend]
    perApp: dict[str, Spend]
    hourly: list[HourlySpend]


# --- /v1/personalities (issue 14) -------------------------------------------------------------


class Personality(_Model):
    """A named preset: a system prompt plus defaults, used with ``personality`` on a chat request."""

    id: str
    object: str = "personality"
    name: str | None = None
    description: str | None = None
    model: str | None = None
    """The default model (or ``auto``)."""
    tier: str | None = None
    system_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    tools_allowed: bool | None = None
    source: str | None = None
    """``catalog`` (shipped with the gateway) or ``custom`` (an admin's)."""


class PersonalityList(_Model):
    object: str = "list"
    data: list[Personality]


class PersonalityDeleted(_Model):
    id: str
    object: str = "personality"
    deleted: bool


__all__ = [
    "Balance",
    "HourlySpend",
    "Invoice",
    "Key",
    "KeyCreated",
    "KeyDeleted",
    "KeyList",
    "Personality",
    "PersonalityDeleted",
    "PersonalityList",
    "Pricing",
    "Provider",
    "ProviderList",
    "ProviderParams",
    "Report",
    "RouterCandidate",
    "RouterDecision",
    "RoutingProfile",
    "RoutingProfiles",
    "Spend",
]

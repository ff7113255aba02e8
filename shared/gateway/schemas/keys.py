"""Key management wire shapes: creation (self-serve or admin), changes, and listings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

LIMIT_FIELDS = ("daily_budget_usd", "rpm", "tpm", "free_requests", "default_cost_weight", "max_concurrent")


class KeyLimits(BaseModel):
    """Limits an admin sets on a key (or a JWT subject). Absent means unlimited, except the free tier."""

    model_config = ConfigDict(extra="forbid")

    daily_budget_usd: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    """USD the key may spend (or hold for in-flight requests) per UTC day, free tier included."""
    rpm: int | None = Field(default=None, ge=1, le=1_000_000)
    """Requests per one-minute window, across all containers."""
    tpm: int | None = Field(default=None, ge=1, le=1_000_000_000)
    """Tokens (prompt estimate plus max_tokens, trued up to actual) per one-minute window."""
    free_requests: int | None = Field(default=None, ge=0, le=1_000_000_000)
    """Requests served free before the wallet pays (default: the gateway's FREE_TIER_REQUESTS)."""
    max_concurrent: int | None = Field(default=None, ge=1, le=100_000)
    """Requests in flight at once (default: the gateway's MAX_CONCURRENT_PER_KEY)."""
    default_cost_weight: float | None = Field(default=None, ge=0)
    """The router's cost penalty for this key when a request gives none."""

    def given(self) -> dict[str, Any]:
        """The limits present in the request body (explicit nulls included, to remove a limit)."""
        return {k: getattr(self, k) for k in LIMIT_FIELDS if k in self.model_fields_set}


class KeyCreateRequest(KeyLimits):
    label: str | None = Field(default=None, max_length=128)


class KeyPatchRequest(KeyLimits):
    label: str | None = Field(default=None, max_length=128)
    status: str | None = Field(default=None, pattern="^(active|revoked)$")


class KeyView(BaseModel):
    """A key as listings show it: never the key or its hash."""

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
    """What the free requests cover: catalog tiers or model ids (``["*"]``: every model, as the admin set this key)."""


class KeyCreated(KeyView):
    key: str
    """The plain key. Shown once: the gateway keeps only its hash."""

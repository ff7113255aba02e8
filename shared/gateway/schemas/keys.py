"""Key management wire shapes: creation (self-serve or admin), changes, and listings."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.schemas.chat import NUMBER
from gateway.schemas.router import MAX_COST_WEIGHT

NANO_USD = Decimal("0.000000001")
LIMIT_FIELDS = ("daily_budget_usd", "rpm", "tpm", "free_requests", "default_cost_weight", "max_concurrent")


class KeyLimits(BaseModel):
    """Limits an admin sets on a key (or a JWT subject). Absent means unlimited, except the free tier."""

    model_config = ConfigDict(extra="forbid")

    daily_budget_usd: Annotated[Decimal, NUMBER] | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        allow_inf_nan=False,
        json_schema_extra={
            "anyOf": [{"type": "number", "minimum": 0, "maximum": 1_000_000}, {"type": "null"}]
        },
    )
    """USD the key may spend (or hold for in-flight requests) per UTC day, free tier included;
    kept to the nano-dollar, as the store counts."""
    rpm: Annotated[int, Field(ge=1, le=1_000_000), NUMBER] | None = None
    """Requests per one-minute window, across all containers."""
    tpm: Annotated[int, Field(ge=1, le=1_000_000_000), NUMBER] | None = None
    """Tokens (prompt estimate plus max_tokens, trued up to actual) per one-minute window."""
    free_requests: Annotated[int, Field(ge=0, le=1_000_000_000), NUMBER] | None = None
    """Requests served free before the wallet pays (default: the gateway's FREE_TIER_REQUESTS)."""
    max_concurrent: Annotated[int, Field(ge=1, le=100_000), NUMBER] | None = None
    """Requests in flight at once (default: the gateway's MAX_CONCURRENT_PER_KEY)."""
    default_cost_weight: (
        Annotated[float, Field(ge=0, le=MAX_COST_WEIGHT, allow_inf_nan=False), NUMBER] | None
    ) = None
    """The router's cost penalty for this key when a request gives none."""

    @field_validator("daily_budget_usd")
    @classmethod
    def _to_the_nano_dollar(cls, v: Decimal | None) -> Decimal | None:
        # DynamoDB refuses numbers below 1e-130 (a 500 before this), and the account counts nano-dollars.
        return None if v is None else v.quantize(NANO_USD, rounding=ROUND_DOWN)

    @field_validator("default_cost_weight")
    @classmethod
    def _to_six_places(cls, v: float | None) -> float | None:
        # The router rounds scores to six places; 3e-260 underflowed DynamoDB's numbers (a 500).
        return None if v is None else round(v, 6)

    def given(self) -> dict[str, Any]:
        """The limits present in the request body (explicit nulls included, to remove a limit)."""
        return {k: getattr(self, k) for k in LIMIT_FIELDS if k in self.model_fields_set}


class KeyCreateRequest(KeyLimits):
    label: str | None = Field(default=None, max_length=128)


class KeyPatchRequest(KeyLimits):
    label: str | None = Field(default=None, max_length=128)
    status: str | None = Field(default=None, pattern="^(active|revoked)$")


class KeyListQuery(BaseModel):
    """GET /v1/keys query parameters."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=100, ge=1, le=100)
    """Keys per page."""
    cursor: str | None = Field(default=None, max_length=2048)
    """``next_cursor`` of the previous page."""


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


class KeyList(BaseModel):
    object: Literal["list"] = "list"
    data: list[KeyView]
    next_cursor: str | None


class KeyDeleted(BaseModel):
    id: str
    object: Literal["key"] = "key"
    deleted: Literal[True] = True
    status: Literal["revoked"] = "revoked"

"""Everything the environment configures, read here and nowhere else, into typed fields:
tables, timeouts, limits, JWT, payments, provider endpoints and where secrets live.

Read once per container (``get_settings``). Adapters never read the environment; they get
what they need through ``ProviderSettings`` resolved here. Secrets themselves are not held
here: a ``SecretSource`` says where one lives, and ``identity.secretparams`` reads it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

SECRET_NAMES = ("GATEWAY_ADMIN_KEY", "LNBITS_API_KEY", "REPORT_LINK_SECRET")
"""The gateway's own secrets: each from ``<NAME>`` (local) or ``<NAME>_PARAM`` (SSM or Secrets Manager)."""
DEFAULT_SATS_USD_RATE = Decimal("0.0004")
HOLD_MARGIN_S = 90.0


@dataclass(frozen=True)
class ProviderSettings:
    base_url: str
    api_key: str | None
    """The key in plain text (``<PROVIDER>_API_KEY``, local use), or once read from ``api_key_param``."""
    connect_timeout: float
    read_timeout: float
    api_key_param: str | None = None
    """``<PROVIDER>_API_KEY_PARAM``: where the key lives on AWS (an SSM SecureString name starting
    with ``/``, or a Secrets Manager id); read by ``identity.secretparams`` when no plain key is set."""


@dataclass(frozen=True)
class HealthSettings:
    """Provider cooldowns (``store/health.py``): ``failures`` retryable failures within
    ``window_s`` seconds cool a provider down for ``cooldown_s``; each container rereads the
    shared state at most every ``cache_ttl_s``."""

    failures: int = 3
    window_s: float = 30.0
    cooldown_s: float = 30.0
    cache_ttl_s: float = 5.0


@dataclass(frozen=True)
class JwtSettings:
    """Bearer JWTs (``identity.jwt_verify``): accepted only with an issuer, an audience and a key."""

    issuer: str = ""
    audience: str = ""
    jwks_url: str | None = None
    public_key_pem: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.audience and (self.jwks_url or self.public_key_pem))


@dataclass(frozen=True)
class SecretSource:
    """Where one secret lives: its value in the environment (local use), or the name of an SSM
    parameter (starting with ``/``) or a Secrets Manager secret id."""

    value: str | None = None
    param: str | None = None


@dataclass(frozen=True)
class SelfServeSettings:
    """What a key nobody configured gets (``POST /v1/keys`` without the admin key, or a JWT
    subject without a record): whether such keys exist at all, the free tier, and the limits
    they start with. Template parameters of the same names set them on AWS."""

    enabled: bool = True
    free_requests: int = 1000
    """Free requests per key (its ``free_requests`` limit when the admin sets none)."""
    free_tier: tuple[str, ...] = ("cheap",)
    """The catalog tiers or model ids the free tier covers; anything else is paid from the wallet."""
    daily_budget_usd: Decimal | None = Decimal("1")
    rpm: int | None = 60
    free_tier_daily_cap_usd: Decimal | None = Decimal("25")
    """What the free tier may cost the operator per UTC day, across every key (None: no cap)."""

    def limits(self) -> dict[str, Any]:
        """The limits a new self-serve key (or an unconfigured JWT subject) starts with."""
        out: dict[str, Any] = {"free_requests": self.free_requests}
        if self.daily_budget_usd is not None:
            out["daily_budget_usd"] = self.daily_budget_usd
        if self.rpm is not None:
            out["rpm"] = self.rpm
        return out


@dataclass(frozen=True)
class AbuseSettings:
    """Bounds that keep one caller from costing more than it is held for, or from growing the
    store's items: concurrent requests per key, non-text parts per request, app ids per key."""

    max_concurrent_per_key: int = 64
    """Open requests (holds) one principal may have at once, unless its limits say otherwise."""
    max_media_parts: int = 64
    """Image, audio and file parts one request may carry."""
    app_ids_per_key_hour: int = 20
    """Distinct ``X-App-ID`` values counted per key per hour; the rest count as ``other``."""


@dataclass(frozen=True)
class PaymentSettings:
    backend: str
    """``lnbits`` or ``local``."""
    lnbits_url: str | None
    sats_usd_rate: Decimal
    """USD credited per satoshi; the default is the Pura seed's "10,000 sats ~ $4"."""


DEFAULT_ROUTING_COST_WEIGHT = 0.1
"""``model: "auto"``'s cost weight when the key sets none (docs/ROUTING.md, "Default cost weight")."""


@dataclass(frozen=True)
class RoutingSettings:
    """Semantic routing for ``model: "auto"`` and ``POST /v1/router`` (``semantic_routing/auto.py``)."""

    default_cost_weight: float = DEFAULT_ROUTING_COST_WEIGHT
    """``ROUTING_DEFAULT_COST_WEIGHT``: used when neither the request nor the key sets one."""
    tier_models: Mapping[str, str] = field(default_factory=dict)
    """``ROUTING_TIER_MODELS`` (JSON ``{"cheap": id, "mid": id, "premium": id}``): the model each
    complexity tier gets when no profiled model can be routed to; a tier left out, or naming a
    model that cannot be served, takes the catalog's first servable model of that tier."""
    profiles_path: str | None = None
    """``ROUTING_PROFILES_PATH``: a profiles.json laid over the shipped one (same format; its
    entries win), re-read when it changes. ``tools.semantic_routing.profile --out`` writes it."""
    aws_credentials: bool = False
    """AWS credentials in the environment (Lambda sets them from the role): Bedrock, which
    signs with IAM instead of an API key, counts as reachable."""


@dataclass(frozen=True)
class Settings:
    keys_table: str = "gateway-keys"
    usage_table: str = "gateway-usage"
    dynamodb_endpoint_url: str | None = None
    region: str = "us-east-1"
    max_body_bytes: int = 4 * 1024 * 1024
    stream_settle_margin_s: float = 5.0
    """``STREAM_SETTLE_MARGIN_S``: work stops this long before the function's deadline (a stream
    ends with an error event, failover gives up) so the request is settled before Lambda cuts it."""
    attempt_floor_s: float = 2.0
    """``ATTEMPT_FLOOR_S``: the least time to first byte an attempt is given, however many
    targets remain (``completion.attempts.budget``); never more than the time left."""
    usage_ttl_days: int = 30
    key_cache_ttl_s: float = 5.0
    key_negative_cache_ttl_s: float = 2.0
    """How long an unknown or revoked credential is remembered (``identity.auth``): a key created
    meanwhile works after at most this long in a container that saw it refused."""
    key_creates_per_ip_per_min: int = 5
    report_interval_s: float = 900.0
    """The report schedule's interval (template.yaml: rate(15 minutes)); older reports are rebuilt on read."""
    function_timeout_s: float = 30.0
    """This function's Lambda timeout (``FUNCTION_TIMEOUT_S``): a reservation outlives it by ``HOLD_MARGIN_S``."""
    health: HealthSettings = field(default_factory=HealthSettings)
    self_serve: SelfServeSettings = field(default_factory=SelfServeSettings)
    abuse: AbuseSettings = field(default_factory=AbuseSettings)
    jwt: JwtSettings = field(default_factory=JwtSettings)
    payments: PaymentSettings = field(
        default_factory=lambda: PaymentSettings("local", None, DEFAULT_SATS_USD_RATE)
    )
    secrets: Mapping[str, SecretSource] = field(default_factory=dict)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    """``GATEWAY_DEPLOYMENTS``: named OpenAI-compatible servers, merged into the catalog at load."""
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    _env: Mapping[str, str] = field(repr=False, default_factory=dict)

    def provider(
        self, provider_id: str, default_base_url: str, api_key_env: str | None = None
    ) -> ProviderSettings:
        """A provider's endpoint, key and timeouts: ``<PROVIDER>_BASE_URL``, ``<PROVIDER>_API_KEY``
        (or the deployment's own ``api_key_env``) or where it lives, ``<PROVIDER>_API_KEY_PARAM``,
        ``<PROVIDER>_CONNECT_TIMEOUT`` / ``_READ_TIMEOUT``."""
        prefix = provider_id.upper().replace("-", "_")
        env = self._env
        return ProviderSettings(
            base_url=(env.get(f"{prefix}_BASE_URL") or default_base_url).rstrip("/"),
            api_key=env.get(f"{prefix}_API_KEY") or (env.get(api_key_env) if api_key_env else None) or None,
            connect_timeout=_float(
                env, f"{prefix}_CONNECT_TIMEOUT", _float(env, "PROVIDER_CONNECT_TIMEOUT", 3.0)
            ),
            read_timeout=_float(env, f"{prefix}_READ_TIMEOUT", _float(env, "PROVIDER_READ_TIMEOUT", 60.0)),
            api_key_param=env.get(f"{prefix}_API_KEY_PARAM") or None,
        )

    def secret(self, name: str) -> SecretSource:
        return self.secrets.get(name) or SecretSource()

    @property
    def hold_ttl_s(self) -> int:
        """How long a request's reservation stays open: past the function's own timeout, so a
        request still running is never released under it; then it is settled as expired."""
        return int(self.function_timeout_s + HOLD_MARGIN_S)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env[name]) if env.get(name) else default
    except ValueError:
        return default


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    return default if not raw else raw in ("1", "true", "yes", "on")


N = TypeVar("N", int, Decimal)


def _optional(env: Mapping[str, str], name: str, default: N | None, read: Callable[[str], N]) -> N | None:
    """A non-negative limit read by ``read``; empty means ``default``, ``none`` (or
    ``unlimited``) no limit, anything unreadable or negative ``default``."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if raw.lower() in ("none", "unlimited"):
        return None
    try:
        return read(raw)
    except (ArithmeticError, ValueError):
        return default


def _amount(raw: str) -> Decimal:
    value = Decimal(raw)
    if not value.is_finite() or value < 0:
        raise ValueError(raw)
    return value


def _optional_decimal(env: Mapping[str, str], name: str, default: Decimal | None) -> Decimal | None:
    return _optional(env, name, default, _amount)


def _optional_int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    return _optional(env, name, default, lambda raw: max(0, int(raw)))


def _names(raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return default
    return tuple(n.strip() for n in raw.split(",") if n.strip())


def _rate(raw: str | None) -> Decimal:
    try:
        rate = Decimal(raw) if raw else DEFAULT_SATS_USD_RATE
    except (ArithmeticError, InvalidOperation):
        return DEFAULT_SATS_USD_RATE
    return rate if rate.is_finite() and rate > 0 else DEFAULT_SATS_USD_RATE


def _deployments(raw: str | None) -> list[dict[str, Any]]:
    """``[{"id", "base_url", "api_key_env"?, "models": [...]}, ...]``; shape checked by the catalog."""
    if not raw or not raw.strip():
        return []
    value = json.loads(raw)
    if not isinstance(value, list):
        raise ValueError("GATEWAY_DEPLOYMENTS must be a JSON list of deployments")
    return value


def _tier_models(raw: str | None) -> dict[str, str]:
    """``{"cheap"|"mid"|"premium": model id}``; anything else is refused at start-up."""
    if not raw or not raw.strip():
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(
        k in ("cheap", "mid", "premium") and isinstance(v, str) and v for k, v in value.items()
    ):
        raise ValueError('ROUTING_TIER_MODELS must be a JSON object like {"cheap": "<model id>", ...}')
    return {str(k): str(v) for k, v in value.items()}


def _cost_weight(env: Mapping[str, str]) -> float:
    value = _float(env, "ROUTING_DEFAULT_COST_WEIGHT", DEFAULT_ROUTING_COST_WEIGHT)
    return value if math.isfinite(value) and value >= 0 else DEFAULT_ROUTING_COST_WEIGHT


def from_env(env: Mapping[str, str]) -> Settings:
    lnbits_url = env.get("LNBITS_URL") or None
    return Settings(
        keys_table=env.get("KEYS_TABLE", "gateway-keys"),
        usage_table=env.get("USAGE_TABLE", "gateway-usage"),
        dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        max_body_bytes=int(_float(env, "MAX_BODY_BYTES", 4 * 1024 * 1024)),
        stream_settle_margin_s=_float(env, "STREAM_SETTLE_MARGIN_S", 5.0),
        attempt_floor_s=_float(env, "ATTEMPT_FLOOR_S", 2.0),
        usage_ttl_days=int(_float(env, "USAGE_TTL_DAYS", 30)),
        key_cache_ttl_s=_float(env, "KEY_CACHE_TTL_S", 5.0),
        key_negative_cache_ttl_s=_float(env, "KEY_NEGATIVE_CACHE_TTL_S", 2.0),
        key_creates_per_ip_per_min=int(_float(env, "KEY_CREATE_PER_IP_PER_MIN", 5)),
        report_interval_s=_float(env, "REPORT_INTERVAL_S", 900.0),
        function_timeout_s=_float(env, "FUNCTION_TIMEOUT_S", 30.0),
        self_serve=SelfServeSettings(
            enabled=_bool(env, "SELF_SERVE_ENABLED", True),
            free_requests=_optional_int(env, "FREE_TIER_REQUESTS", 1000) or 0,
            free_tier=_names(env.get("FREE_TIER_MODELS"), ("cheap",)),
            daily_budget_usd=_optional_decimal(env, "NEW_KEY_DAILY_BUDGET_USD", Decimal("1")),
            rpm=_optional_int(env, "NEW_KEY_RPM", 60),
            free_tier_daily_cap_usd=_optional_decimal(env, "FREE_TIER_DAILY_CAP_USD", Decimal("25")),
        ),
        abuse=AbuseSettings(
            max_concurrent_per_key=int(_float(env, "MAX_CONCURRENT_PER_KEY", 64)),
            max_media_parts=int(_float(env, "MAX_MEDIA_PARTS", 64)),
            app_ids_per_key_hour=int(_float(env, "APP_IDS_PER_KEY_HOUR", 20)),
        ),
        health=HealthSettings(
            failures=int(_float(env, "HEALTH_FAILURE_THRESHOLD", 3)),
            window_s=_float(env, "HEALTH_WINDOW_S", 30.0),
            cooldown_s=_float(env, "HEALTH_COOLDOWN_S", 30.0),
            cache_ttl_s=_float(env, "HEALTH_CACHE_TTL_S", 5.0),
        ),
        jwt=JwtSettings(
            issuer=env.get("JWT_ISSUER", ""),
            audience=env.get("JWT_AUDIENCE", ""),
            jwks_url=env.get("JWT_JWKS_URL") or None,
            # A PEM in one environment line has its newlines escaped.
            public_key_pem=(env.get("JWT_PUBLIC_KEY_PEM") or "").replace("\\n", "\n") or None,
        ),
        payments=PaymentSettings(
            backend=env.get("PAYMENT_BACKEND") or ("lnbits" if lnbits_url else "local"),
            lnbits_url=lnbits_url,
            sats_usd_rate=_rate(env.get("SATS_USD_RATE")),
        ),
        secrets={
            name: SecretSource(env.get(name) or None, env.get(f"{name}_PARAM") or None)
            for name in SECRET_NAMES
        },
        deployments=_deployments(env.get("GATEWAY_DEPLOYMENTS")),
        routing=RoutingSettings(
            default_cost_weight=_cost_weight(env),
            tier_models=_tier_models(env.get("ROUTING_TIER_MODELS")),
            profiles_path=env.get("ROUTING_PROFILES_PATH") or None,
            aws_credentials=bool(
                env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            ),
        ),
        _env=dict(env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_env(os.environ)


__all__ = [
    "DEFAULT_ROUTING_COST_WEIGHT",
    "DEFAULT_SATS_USD_RATE",
    "HealthSettings",
    "JwtSettings",
    "PaymentSettings",
    "ProviderSettings",
    "RoutingSettings",
    "SecretSource",
    "Settings",
    "from_env",
    "get_settings",
]

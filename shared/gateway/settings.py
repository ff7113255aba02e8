"""Everything the environment configures, read here and nowhere else, into typed fields:
tables, timeouts, limits, JWT, payments, provider endpoints and where secrets live.

Read once per container (``get_settings``). Adapters never read the environment; they get
what they need through ``ProviderSettings`` resolved here. Secrets themselves are not held
here: a ``SecretSource`` says where one lives, and ``identity.secretparams`` reads it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

SECRET_NAMES = ("GATEWAY_ADMIN_KEY", "LNBITS_API_KEY")
"""The gateway's own secrets: each from ``<NAME>`` (local) or ``<NAME>_PARAM`` (SSM or Secrets Manager)."""
DEFAULT_SATS_USD_RATE = Decimal("0.0004")


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
class PaymentSettings:
    backend: str
    """``lnbits`` or ``local``."""
    lnbits_url: str | None
    sats_usd_rate: Decimal
    """USD credited per satoshi; the default is the Pura seed's "10,000 sats ~ $4"."""


@dataclass(frozen=True)
class Settings:
    keys_table: str = "gateway-keys"
    usage_table: str = "gateway-usage"
    dynamodb_endpoint_url: str | None = None
    region: str = "us-east-1"
    max_body_bytes: int = 4 * 1024 * 1024
    request_deadline_s: float = 28.0
    usage_ttl_days: int = 30
    key_cache_ttl_s: float = 5.0
    key_creates_per_ip_per_min: int = 5
    report_interval_s: float = 900.0
    """The report schedule's interval (template.yaml: rate(15 minutes)); older reports are rebuilt on read."""
    health: HealthSettings = field(default_factory=HealthSettings)
    jwt: JwtSettings = field(default_factory=JwtSettings)
    payments: PaymentSettings = field(
        default_factory=lambda: PaymentSettings("local", None, DEFAULT_SATS_USD_RATE)
    )
    secrets: Mapping[str, SecretSource] = field(default_factory=dict)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    """``GATEWAY_DEPLOYMENTS``: named OpenAI-compatible servers, merged into the catalog at load."""
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


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env[name]) if env.get(name) else default
    except ValueError:
        return default


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


def from_env(env: Mapping[str, str]) -> Settings:
    lnbits_url = env.get("LNBITS_URL") or None
    return Settings(
        keys_table=env.get("KEYS_TABLE", "gateway-keys"),
        usage_table=env.get("USAGE_TABLE", "gateway-usage"),
        dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        max_body_bytes=int(_float(env, "MAX_BODY_BYTES", 4 * 1024 * 1024)),
        # A REST API integration times out at 29 s by default; stay inside it.
        request_deadline_s=_float(env, "REQUEST_DEADLINE_S", 28.0),
        usage_ttl_days=int(_float(env, "USAGE_TTL_DAYS", 30)),
        key_cache_ttl_s=_float(env, "KEY_CACHE_TTL_S", 5.0),
        key_creates_per_ip_per_min=int(_float(env, "KEY_CREATE_PER_IP_PER_MIN", 5)),
        report_interval_s=_float(env, "REPORT_INTERVAL_S", 900.0),
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
        _env=dict(env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_env(os.environ)


__all__ = [
    "DEFAULT_SATS_USD_RATE",
    "HealthSettings",
    "JwtSettings",
    "PaymentSettings",
    "ProviderSettings",
    "SecretSource",
    "Settings",
    "from_env",
    "get_settings",
]

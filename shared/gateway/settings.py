"""Everything the environment configures: secrets, base URLs, table names, timeouts.

Read once per container. Adapters never read the environment; they get what they need
through ``ProviderSettings`` resolved here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class ProviderSettings:
    base_url: str
    api_key: str | None
    connect_timeout: float
    read_timeout: float


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
class Settings:
    keys_table: str
    usage_table: str
    dynamodb_endpoint_url: str | None
    region: str
    max_body_bytes: int
    request_deadline_s: float
    usage_ttl_days: int
    key_cache_ttl_s: float
    health: HealthSettings = field(default_factory=lambda: HealthSettings())
    deployments: list[dict[str, Any]] = field(default_factory=list)
    """``GATEWAY_DEPLOYMENTS``: named OpenAI-compatible servers, merged into the catalog at load."""
    env: dict[str, str] = field(repr=False, default_factory=dict)

    def provider(self, provider_id: str, default_base_url: str, api_key_env: str | None = None) -> ProviderSettings:
        prefix = provider_id.upper().replace("-", "_")
        env = self.env
        return ProviderSettings(
            base_url=(env.get(f"{prefix}_BASE_URL") or default_base_url).rstrip("/"),
            api_key=env.get(f"{prefix}_API_KEY") or (env.get(api_key_env) if api_key_env else None) or None,
            connect_timeout=float(env.get(f"{prefix}_CONNECT_TIMEOUT") or env.get("PROVIDER_CONNECT_TIMEOUT", "3")),
            read_timeout=float(env.get(f"{prefix}_READ_TIMEOUT") or env.get("PROVIDER_READ_TIMEOUT", "60")),
        )


def _float(env: dict[str, str], name: str, default: float) -> float:
    try:
        return float(env.get(name, default))
    except ValueError:
        return default


def _deployments(raw: str | None) -> list[dict[str, Any]]:
    """``[{"id", "base_url", "api_key_env"?, "models": [...]}, ...]``; shape checked by the catalog."""
    if not raw or not raw.strip():
        return []
    value = json.loads(raw)
    if not isinstance(value, list):
        raise ValueError("GATEWAY_DEPLOYMENTS must be a JSON list of deployments")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = dict(os.environ)
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
        health=HealthSettings(
            failures=int(_float(env, "HEALTH_FAILURE_THRESHOLD", 3)),
            window_s=_float(env, "HEALTH_WINDOW_S", 30.0),
            cooldown_s=_float(env, "HEALTH_COOLDOWN_S", 30.0),
            cache_ttl_s=_float(env, "HEALTH_CACHE_TTL_S", 5.0),
        ),
        deployments=_deployments(env.get("GATEWAY_DEPLOYMENTS")),
        env=env,
    )

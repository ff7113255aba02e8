"""Who is calling. API keys (``x-api-key`` or ``Authorization: Bearer``) checked against their
stored hash; a short per-container cache saves the store round trip on repeat calls, and its
lifetime bounds how long a revoked key keeps working in a warm container."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from gateway import apikeys
from gateway.context import Principal
from gateway.errors import AuthenticationError
from gateway.settings import get_settings

if TYPE_CHECKING:
    from collections.abc import Mapping

_cache: dict[str, tuple[float, Principal | None]] = {}
_CACHE_MAX = 10_000


def credential(headers: Mapping[str, str]) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _principal(record: dict) -> Principal:
    return Principal(
        id=record["key_id"], kind="key", label=record.get("label"), limits=dict(record.get("limits") or {})
    )


async def authenticate(headers: Mapping[str, str]) -> Principal:
    from gateway.store import keys

    plain = credential(headers)
    if not plain:
        raise AuthenticationError(
            "Missing API key: send it as `x-api-key: <key>` or `Authorization: Bearer <key>`.",
            code="missing_api_key",
        )
    key_hash = apikeys.hash_key(plain)
    now = time.monotonic()
    hit = _cache.get(key_hash)
    if hit is not None and hit[0] > now:
        principal = hit[1]
    else:
        key_id = apikeys.parse_id(plain)
        record = await keys.get(key_id) if key_id else None
        ok = record is not None and record.get("status") == "active" and apikeys.matches(plain, record["key_hash"])
        principal = _principal(record) if ok else None
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key_hash] = (now + get_settings().key_cache_ttl_s, principal)
    if principal is None:
        raise AuthenticationError("Invalid API key.")
    return principal


def forget(key_id: str | None = None) -> None:
    """Drop cached lookups (all of them: entries are keyed by hash, not id)."""
    _cache.clear()

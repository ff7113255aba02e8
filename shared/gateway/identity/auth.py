"""Who is calling.

- API keys (``x-api-key`` or ``Authorization: Bearer``) checked against their stored hash.
- Bearer JWTs (``gateway.identity.jwt_verify``): the ``sub`` is the principal (id ``jwt:<sub>``), with
  limits from a key-like record ``JWT#<sub>`` when an admin has set one, else defaults.
- The admin key (``GATEWAY_ADMIN_KEY``, via ``gateway.identity.secretparams``), only where a route
  asks for it (``allow_admin``): admin routes, and key creation with limits.

A short per-container cache (``KEY_CACHE_TTL_S``, 5 s by default) saves the store round
trip on repeat calls. Its lifetime bounds how long a revoked key keeps working in a warm
container: revocation takes effect everywhere within that many seconds.

Two bounded LRUs, so no caller can push another out: credentials that named a principal
(``POSITIVE_MAX`` of them), and unknown or revoked ones, remembered only briefly
(``KEY_NEGATIVE_CACHE_TTL_S``, 2 s by default) in a smaller cache of their own
(``NEGATIVE_MAX``). A flood of random well-formed keys churns only the latter: the same bad
key hammered costs one store read per lapse, and valid keys' entries are never evicted by it.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from gateway import clock
from gateway.context import Principal
from gateway.errors import AuthenticationError, PermissionDeniedError
from gateway.identity import apikeys, jwt_verify
from gateway.settings import get_settings

if TYPE_CHECKING:
    from collections.abc import Mapping

POSITIVE_MAX = 10_000
NEGATIVE_MAX = 1_000
_positive: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
"""key hash -> (monotonic expiry, principal), least recently used first."""
_negative: OrderedDict[str, float] = OrderedDict()
"""key hash -> monotonic expiry of an unknown or revoked credential, oldest first."""
ADMIN = Principal(id="admin", kind="admin", label="admin", is_admin=True)


def credential(headers: Mapping[str, str]) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def is_managed(record: dict[str, Any]) -> bool:
    """Whether the admin set this record's limits (created it with them, or changed them since)."""
    return record.get("created_by") == "admin" or bool(record.get("managed"))


def _principal(record: dict[str, Any]) -> Principal:
    return Principal(
        id=record["key_id"],
        kind="key",
        label=record.get("label"),
        limits=dict(record.get("limits") or {}),
        managed=is_managed(record),
    )


async def is_admin_key(plain: str) -> bool:
    from gateway.identity.secretparams import secret

    admin = await secret("GATEWAY_ADMIN_KEY")
    return admin is not None and hmac.compare_digest(plain.encode(), admin.encode())


async def _key_principal(plain: str) -> Principal | None:
    from gateway.store import keys

    key_id = apikeys.parse_id(plain)
    record = await keys.get(key_id) if key_id else None
    if record is None or record.get("status") != "active" or not apikeys.matches(plain, record["key_hash"]):
        return None
    return _principal(record)


async def _jwt_principal(token: str) -> tuple[Principal | None, float]:
    """(principal or None if its record is revoked, the token's expiry as a monotonic deadline)."""
    from gateway.store import keys

    claims = await jwt_verify.verify(token)
    record = await keys.get_jwt(claims["sub"])
    expires = clock.monotonic() + max(0.0, float(claims["exp"]) - clock.now())
    if record is not None and record.get("status", "active") != "active":
        return None, expires
    if record is None:
        # A subject nobody configured gets what a new self-serve key gets.
        limits, managed = get_settings().self_serve.limits(), False
    else:
        limits, managed = dict(record.get("limits") or {}), is_managed(record)
    principal = Principal(
        id=f"jwt:{claims['sub']}",
        kind="jwt",
        label=(record or {}).get("label"),
        limits=limits,
        managed=managed,
    )
    return principal, expires


async def authenticate(headers: Mapping[str, str], *, allow_admin: bool = False) -> Principal:
    plain = credential(headers)
    if not plain:
        raise AuthenticationError(
            "Missing API key: send it as `x-api-key: <key>` or `Authorization: Bearer <key>`.",
            code="missing_api_key",
        )
    if allow_admin and not plain.startswith(apikeys.PREFIX) and await is_admin_key(plain):
        return ADMIN
    principal = await _lookup(plain)
    if principal is None:
        raise AuthenticationError("Invalid API key.")
    return principal


def _remember(lru: OrderedDict[str, Any], key: str, value: Any, limit: int) -> None:
    lru[key] = value
    lru.move_to_end(key)
    while len(lru) > limit:
        lru.popitem(last=False)


async def _lookup(plain: str) -> Principal | None:
    """The credential's principal, or None (unknown, revoked): from the caches when fresh."""
    key_hash = apikeys.hash_key(plain)
    now = clock.monotonic()
    hit = _positive.get(key_hash)
    if hit is not None and hit[0] > now:
        _positive.move_to_end(key_hash)
        return hit[1]
    miss = _negative.get(key_hash)
    if miss is not None and miss > now:
        return None
    settings = get_settings()
    deadline = now + settings.key_cache_ttl_s
    if jwt_verify.looks_like_jwt(plain):
        principal, expires = await _jwt_principal(plain)  # raises 401 with the reason
        deadline = min(deadline, expires)
    else:
        principal = await _key_principal(plain)
    if principal is None:
        _positive.pop(key_hash, None)
        _remember(
            _negative, key_hash, now + min(settings.key_negative_cache_ttl_s, deadline - now), NEGATIVE_MAX
        )
    else:
        _negative.pop(key_hash, None)
        _remember(_positive, key_hash, (deadline, principal), POSITIVE_MAX)
    return principal


async def authenticate_admin(headers: Mapping[str, str]) -> Principal:
    """The admin principal, or 401 (no valid credential) / 403 (a valid non-admin credential)."""
    principal = await authenticate(headers, allow_admin=True)
    if not principal.is_admin:
        raise PermissionDeniedError("This route needs the gateway's admin key.", code="admin_required")
    return principal


def forget(key_id: str | None = None) -> None:
    """Drop cached lookups (all of them: entries are keyed by hash, not id)."""
    _positive.clear()
    _negative.clear()

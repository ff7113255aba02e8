"""Provider health shared by every container, in the keys table (``pk = HEALTH#<provider>``, ``sk = HEALTH``).

A retryable failure is counted with an atomic ``ADD`` inside a window (``window_start``);
a failure that reaches the threshold sets ``cooldown_until`` conditionally (only the
first container to get there sets it, and the count starts over). Reads go through a
short per-container cache, so the hot path costs a round trip at most once per
``cache_ttl_s``; writes happen only on failure, and on success only when this container's
view shows failures to clear. Store errors never fail a request: health is advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway import clock
from gateway.observability import logger
from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item
from gateway.store.errors import ConditionFailed

SK = "HEALTH"


@dataclass(frozen=True, slots=True)
class Health:
    failures: int = 0
    window_start: float = 0.0
    cooldown_until: float = 0.0

    def cooling(self, now: float) -> bool:
        return self.cooldown_until > now


_cache: dict[str, tuple[float, Health]] = {}


def forget() -> None:
    """Drop the per-container view (tests)."""
    _cache.clear()


def _key(provider: str) -> dict[str, Any]:
    return to_item({"pk": f"HEALTH#{provider}", "sk": SK})


def _health(item: dict[str, Any] | None) -> Health:
    if not item:
        return Health()
    v = from_item(item)
    return Health(
        int(v.get("failures") or 0), float(v.get("window_start") or 0), float(v.get("cooldown_until") or 0)
    )


def cached(provider: str) -> Health:
    hit = _cache.get(provider)
    return hit[1] if hit else Health()


async def read(providers: list[str], *, now: float | None = None) -> dict[str, Health]:
    """Each provider's health, from the cache where it is fresh, else in one BatchGetItem."""
    now = clock.now() if now is None else now
    ttl = get_settings().health.cache_ttl_s
    stale = sorted({p for p in providers if p not in _cache or now - _cache[p][0] >= ttl})
    if stale:
        try:
            table = get_settings().keys_table
            resp = await call("batch_get_item", RequestItems={table: {"Keys": [_key(p) for p in stale]}})
            found = {
                from_item({"pk": i["pk"]})["pk"].removeprefix("HEALTH#"): i
                for i in resp.get("Responses", {}).get(table, [])
            }
            for p in stale:
                _cache[p] = (now, _health(found.get(p)))
        except Exception:
            logger.warning("provider health read failed", exc_info=True)
    return {p: cached(p) for p in providers}


async def cooling(providers: list[str], *, now: float | None = None) -> set[str]:
    now = clock.now() if now is None else now
    return {p for p, h in (await read(providers, now=now)).items() if h.cooling(now)}


async def _count(provider: str, now: float) -> dict[str, Any]:
    s = get_settings()
    cutoff = now - s.health.window_s
    try:
        resp = await call(
            "update_item",
            TableName=s.keys_table,
            Key=_key(provider),
            UpdateExpression="ADD failures :one SET updated_at = :now",
            ConditionExpression="window_start > :cutoff",
            ExpressionAttributeValues=to_item({":one": 1, ":now": now, ":cutoff": cutoff}),
            ReturnValues="ALL_NEW",
        )
    except ConditionFailed:  # the window is missing or expired: open a new one
        resp = await call(
            "update_item",
            TableName=s.keys_table,
            Key=_key(provider),
            UpdateExpression="SET failures = :one, window_start = :now, updated_at = :now, kind = :kind",
            ExpressionAttributeValues=to_item({":one": 1, ":now": now, ":kind": "health"}),
            ReturnValues="ALL_NEW",
        )
    attributes: dict[str, Any] = resp["Attributes"]
    return attributes


async def _cool(provider: str, now: float) -> dict[str, Any] | None:
    s = get_settings()
    try:
        resp = await call(
            "update_item",
            TableName=s.keys_table,
            Key=_key(provider),
            UpdateExpression="SET cooldown_until = :until, failures = :zero, window_start = :now",
            ConditionExpression="attribute_not_exists(cooldown_until) OR cooldown_until < :now",
            ExpressionAttributeValues=to_item({":until": now + s.health.cooldown_s, ":zero": 0, ":now": now}),
            ReturnValues="ALL_NEW",
        )
    except ConditionFailed:
        return None  # another container cooled it first
    attributes: dict[str, Any] = resp["Attributes"]
    return attributes


async def record_failure(provider: str, *, now: float | None = None) -> Health:
    """Count one retryable failure; start a cooldown when the window's count reaches the threshold."""
    now = clock.now() if now is None else now
    try:
        item = await _count(provider, now)
        if int(item.get("failures", {}).get("N", 0)) >= get_settings().health.failures:
            item = await _cool(provider, now) or item
        _cache[provider] = (now, _health(item))
    except Exception:
        logger.warning("provider health write failed", exc_info=True)
    return cached(provider)


async def record_success(provider: str, *, now: float | None = None) -> None:
    """Clear the failure count, but only when this container's view shows one (else no write)."""
    now = clock.now() if now is None else now
    view = cached(provider)
    if not view.failures and not view.cooldown_until:
        return
    try:
        await call(
            "update_item",
            TableName=get_settings().keys_table,
            Key=_key(provider),
            UpdateExpression="SET failures = :zero, updated_at = :now REMOVE cooldown_until",
            ExpressionAttributeValues=to_item({":zero": 0, ":now": now}),
        )
        _cache[provider] = (now, Health())
    except Exception:
        logger.warning("provider health reset failed", exc_info=True)

"""The 24 h spend report, built from hourly counter items only (never the ledger).

A key's report reads its 24 hourly items (``pk=KEY#<id>``, point reads); the gateway's reads
24 x shards (``pk=ALL``, one Query) for models and providers, and its apps from the keys' own
items (the gateway's items carry no app: ``store/ledger.py``). The keys active in the window
come from the ``ACTIVE#<hour>#<key>`` markers (one more Query). So a scheduled build costs
keys x 24 item reads, whatever the request count.

A report stays bounded whatever was sent: each breakdown lists its ``TOP`` largest entries by
spend and folds the rest into ``other``.

The window is the 24 UTC hour buckets ending with the current (partial) hour.
Reports are stored as JSON at ``sk=REPORT#24h`` beside the counters they summarize.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gateway import clock
from gateway.settings import get_settings
from gateway.store import reports as store
from gateway.store.ledger import DIMENSIONS, OTHER_APP, hour_of

PERIOD = "24h"
PERIOD_HOURS = 24
DEFAULT_INTERVAL_S = 900
"""The schedule's interval (template.yaml: rate(15 minutes)); a report older than this is rebuilt on read."""
_MEASURES = {"cost": "spendUsd", "req": "requests", "tok": "tokens", "img": "images", "aud": "audioSeconds"}
_SPARSE = frozenset({"img", "aud"})
"""Measures shown only where non-zero (images generated, seconds of audio transcribed)."""
_DECIMAL = frozenset({"cost", "aud"})
_PER = {"model": "perModel", "provider": "perProvider", "app": "perApp"}
_NANO = Decimal("0.000000001")
TOP = 20
"""Entries per breakdown in a stored report; the rest add up under ``other``."""


def interval_s() -> float:
    return get_settings().report_interval_s


def window(now: float) -> list[str]:
    """The window's hour buckets, oldest first."""
    return [hour_of(now - 3600 * i) for i in range(PERIOD_HOURS - 1, -1, -1)]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _num(x: Decimal | int) -> float | int:
    return int(x) if isinstance(x, int) else float(x)


def _zero() -> dict[str, Any]:
    return {"cost": Decimal(0), "req": 0, "tok": 0, "img": 0, "aud": Decimal(0)}


def _view(c: dict[str, Any]) -> dict[str, float | int]:
    return {_MEASURES[m]: _num(c[m]) for m in _MEASURES if m not in _SPARSE or c[m]}


Counts = dict[str, Any]
"""``{"cost": Decimal, "req": int, "tok": int}``"""


class Tally:
    """Hourly items added up: the total, per dimension, per hour (and its models)."""

    def __init__(self, hours: list[str]) -> None:
        self.hours = hours
        self.total = _zero()
        self.per: dict[str, dict[str, Counts]] = {d: {} for d in DIMENSIONS}
        self.hourly: dict[str, dict[str, Any]] = {h: {"c": _zero(), "models": {}} for h in hours}

    def add_items(self, items: list[dict[str, Any]]) -> Tally:
        """Add hourly items as DynamoDB returns them (``{"N": "..."}`` values, decoded here: the
        generic deserializer is most of a build's CPU). Items of one hour, e.g. the gateway's
        shards, add up."""
        wanted = set(self.hours)
        for item in items:
            hour = item.get("hour", {}).get("S")
            if hour not in wanted:
                continue
            bucket = self.hourly[hour]
            for attr, value in item.items():
                measure, _, rest = attr.partition("|")
                if measure not in _MEASURES or "N" not in value:
                    continue
                amount: Any = Decimal(value["N"]) if measure in _DECIMAL else int(value["N"])
                if not rest:
                    self.total[measure] += amount
                    bucket["c"][measure] += amount
                    continue
                dim, _, name = rest.partition("|")
                if dim not in self.per:
                    continue
                into = self.per[dim].get(name)
                if into is None:
                    into = self.per[dim][name] = _zero()
                into[measure] += amount
                if dim == "model" and measure == "cost":
                    bucket["models"][name] = bucket["models"].get(name, Decimal(0)) + amount
        return self

    def add_dimension(self, dim: str, other: Tally) -> None:
        """Take ``dim`` from another tally (the gateway's apps, from its keys)."""
        for name, counts in other.per[dim].items():
            into = self.per[dim].setdefault(name, _zero())
            for measure, amount in counts.items():
                into[measure] += amount

    def report(self, now: float, *, key_id: str | None) -> dict[str, Any]:
        total = self.total
        average = (total["cost"] / total["req"]).quantize(_NANO) if total["req"] else Decimal(0)
        report: dict[str, Any] = {
            "period": PERIOD,
            "scope": "key" if key_id else "all",
            "keyId": key_id,
            "generatedAt": _iso(now),
            "windowStart": self.hours[0] + ":00:00Z",
            "windowEnd": _iso(now),
            "totalSpendUsd": _num(total["cost"]),
            "requestCount": total["req"],
            "averageCostUsd": _num(average),
            "totalTokens": total["tok"],
        }
        for dim, field in _PER.items():
            report[field] = {name: _view(c) for name, c in _top(self.per[dim])}
        report["hourly"] = [
            {
                "hour": h + ":00:00Z",
                **_view(b["c"]),
                "perModel": {m: _num(v) for m, v in _top_amounts(b["models"])},
            }
            for h, b in self.hourly.items()
        ]
        return report


def _top(per: dict[str, Counts]) -> list[tuple[str, Counts]]:
    """The ``TOP`` largest by spend, then the rest added up as ``other`` (bounded, and totals kept)."""
    ranked = sorted(per.items(), key=lambda kv: (-kv[1]["cost"], kv[0]))
    if len(ranked) <= TOP:
        return ranked
    rest = _zero()
    for _name, counts in ranked[TOP:] + [kv for kv in ranked[:TOP] if kv[0] == OTHER_APP]:
        for measure, amount in counts.items():
            rest[measure] += amount
    return [kv for kv in ranked[:TOP] if kv[0] != OTHER_APP] + [(OTHER_APP, rest)]


def _top_amounts(per: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    ranked = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) <= TOP:
        return sorted(ranked)
    rest = sum((v for _, v in ranked[TOP:]), Decimal(0))
    return [*sorted(ranked[:TOP]), (OTHER_APP, rest)]


def aggregate(
    items: list[dict[str, Any]], hours: list[str], now: float, *, key_id: str | None
) -> dict[str, Any]:
    """One report from hourly items as DynamoDB returns them."""
    return Tally(hours).add_items(items).report(now, key_id=key_id)


async def build(key_id: str | None, now: float | None = None) -> dict[str, Any]:
    """Build (not store) the report of one key, or of the whole gateway when ``key_id`` is None."""
    now = clock.now() if now is None else now
    hours = window(now)
    if key_id:
        return aggregate((await store.key_hours([key_id], hours))[key_id], hours, now, key_id=key_id)
    gateway = Tally(hours).add_items(await store.gateway_hours(hours))
    apps = Tally(hours)
    for items in (await store.key_hours(await store.active_keys(hours), hours)).values():
        apps.add_items(items)
    gateway.add_dimension("app", apps)
    return gateway.report(now, key_id=None)


async def latest(
    key_id: str | None, *, max_age_s: float | None = None, now: float | None = None
) -> dict[str, Any]:
    """The stored report, or a fresh one (built and stored) when it is missing or older than the interval."""
    now = clock.now() if now is None else now
    max_age_s = interval_s() if max_age_s is None else max_age_s
    stored = await store.load(key_id)
    if stored is not None and now - stored[1] <= max_age_s:
        return stored[0]
    report = await build(key_id, now)
    await store.save(key_id, report, now)
    return report


async def build_scheduled(now: float | None = None, *, concurrency: int = store.FAN_OUT) -> dict[str, Any]:
    """The scheduled job: the gateway's report and one per key active in the window, all stored,
    ``concurrency`` store calls at a time over the store's fan-out pool."""
    with store.fan_out():
        return await _build_scheduled(now, concurrency)


async def _build_scheduled(now: float | None, concurrency: int) -> dict[str, Any]:
    started = time.perf_counter()
    now = clock.now() if now is None else now
    hours = window(now)
    gateway = Tally(hours).add_items(await store.gateway_hours(hours))
    active = await store.active_keys(hours)
    reports: list[tuple[str | None, dict[str, Any]]] = []
    gate = asyncio.Semaphore(concurrency)
    per_call = store.KEYS_PER_BATCH_GET

    async def some(key_ids: list[str]) -> None:
        async with gate:
            found = await store.key_hours(key_ids, hours)
        for k, items in found.items():
            tally = Tally(hours).add_items(items)
            gateway.add_dimension("app", tally)  # one task at a time between awaits: no lock needed
            reports.append((k, tally.report(now, key_id=k)))

    await asyncio.gather(*(some(active[i : i + per_call]) for i in range(0, len(active), per_call)))
    reports.insert(0, (None, gateway.report(now, key_id=None)))
    read_ms = (time.perf_counter() - started) * 1000
    await store.save_many(reports, now, concurrency=concurrency)
    return {
        "keys": len(active),
        "reports": len(reports),
        "read_ms": round(read_ms, 1),
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


__all__ = [
    "PERIOD",
    "TOP",
    "Tally",
    "aggregate",
    "build",
    "build_scheduled",
    "interval_s",
    "latest",
    "window",
]

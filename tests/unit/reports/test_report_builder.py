"""Reports equal sums over the ledger, to the nano-dollar, and never mix keys."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from _ledger import ledger, seed

from gateway.reports import builder
from gateway.store import reports as store_reports

KEYS = [f"k{i:02d}" for i in range(6)]


def _expected(records: list[dict], now: float, key_id: str | None) -> dict:
    first_hour = builder.window(now)[0]
    out = {
        "cost": Decimal(0),
        "req": 0,
        "tok": 0,
        "model": defaultdict(Decimal),
        "provider": defaultdict(Decimal),
        "app": defaultdict(Decimal),
        "hourly": defaultdict(Decimal),
    }
    for r in records:
        hour = r["created_at"][:13]
        if hour < first_hour or (key_id and r["key_id"] != key_id):
            continue
        cost = Decimal(r["total_cost_usd"])
        out["cost"] += cost
        out["req"] += 1
        out["tok"] += int(r["prompt_tokens"] + r["completion_tokens"])
        out["model"][r["model"]] += cost
        out["provider"][r.get("provider") or "none"] += cost
        out["app"][r["app_id"]] += cost
        out["hourly"][hour] += cost
    return out


def _check(report: dict, exp: dict) -> None:
    # Floats from exact Decimal sums: equal to the nano-dollar, hence to the cent.
    assert Decimal(str(report["totalSpendUsd"])) == exp["cost"]
    assert report["requestCount"] == exp["req"]
    assert report["totalTokens"] == exp["tok"]
    for dim, field in (("model", "perModel"), ("provider", "perProvider"), ("app", "perApp")):
        got = {k: Decimal(str(v["spendUsd"])) for k, v in report[field].items()}
        assert got == dict(exp[dim])
        assert sum(v["requests"] for v in report[field].values()) == exp["req"]
    assert len(report["hourly"]) == 24
    hourly = {b["hour"][:13]: Decimal(str(b["spendUsd"])) for b in report["hourly"] if b["requests"]}
    assert hourly == dict(exp["hourly"])
    for b in report["hourly"]:
        assert sum(Decimal(str(v)) for v in b["perModel"].values()) == Decimal(str(b["spendUsd"]))
    if exp["req"]:
        assert report["averageCostUsd"] == pytest.approx(float(exp["cost"] / exp["req"]), abs=1e-9)


async def test_reports_equal_ledger_sums_across_keys_models_providers_apps(store):
    now = time.time()
    await seed(KEYS, now, 100, random.Random(5))
    records = ledger(store)
    assert len(records) == 100
    # Both sides of the boundary are really present.
    first_hour = builder.window(now)[0]
    assert any(r["created_at"][:13] < first_hour for r in records)
    assert any(r["created_at"][:13] >= first_hour for r in records)

    stats = await builder.build_scheduled(now)
    assert stats["reports"] == stats["keys"] + 1
    gateway = await builder.latest(None, now=now)
    _check(gateway, _expected(records, now, None))
    for key_id in KEYS:
        report = await builder.latest(key_id, now=now)
        assert report["keyId"] == key_id and report["generatedAt"] == gateway["generatedAt"]
        _check(report, _expected(records, now, key_id))


async def test_a_report_never_shows_another_keys_spend(store):
    now = time.time()
    await seed(["alice"], now, 20, random.Random(1), spread_s=20 * 3600)
    await seed(["bob"], now, 7, random.Random(2), spread_s=20 * 3600)
    alice, bob = await builder.build("alice", now), await builder.build("bob", now)
    records = ledger(store)
    _check(alice, _expected(records, now, "alice"))
    _check(bob, _expected(records, now, "bob"))
    assert alice["requestCount"] + bob["requestCount"] == (await builder.build(None, now))["requestCount"]
    assert (await builder.build("carol", now))["requestCount"] == 0


async def test_only_keys_active_in_the_window_get_a_report(store):
    now = time.time()
    await seed(["recent"], now, 3, random.Random(3), spread_s=3600)
    await seed(["old"], now - 25 * 3600, 3, random.Random(4), spread_s=3600)  # before the window
    stats = await builder.build_scheduled(now)
    assert stats["keys"] == 1
    from gateway.settings import get_settings
    from gateway.store.dynamo import call

    got = await call(
        "get_item",
        TableName=get_settings().usage_table,
        Key={"pk": {"S": "KEY#old"}, "sk": {"S": store_reports.REPORT_SK}},
    )
    assert "Item" not in got


async def test_latest_rebuilds_a_stale_report_on_read(store):
    now = time.time()
    await seed(["k"], now, 2, random.Random(6), spread_s=60)
    first = await builder.latest("k", now=now)
    assert first["requestCount"] == 2
    await seed(["k"], now, 1, random.Random(7), spread_s=60)
    assert (await builder.latest("k", now=now + 60, max_age_s=900))["requestCount"] == first["requestCount"]
    fresh = await builder.latest("k", now=now + 901, max_age_s=900)
    assert fresh["requestCount"] == first["requestCount"] + 1


def test_window_is_24_hour_buckets_ending_now():
    now = datetime(2026, 3, 1, 0, 30, tzinfo=UTC).timestamp()
    hours = builder.window(now)
    assert len(hours) == 24 and hours[-1] == "2026-03-01T00" and hours[0] == "2026-02-28T01"

"""The keys store: listing through the by_kind index, merged limit changes, JWT records, IP throttle."""

from __future__ import annotations

from decimal import Decimal

from gateway.store import keys


async def test_list_update_and_jwt_records(store):
    made = [await keys.create(f"k{i}", {"rpm": i + 1}) for i in range(3)]
    page, cursor = await keys.list_keys(limit=2)
    assert [r["label"] for r in page] == ["k2", "k1"] and cursor
    rest, end = await keys.list_keys(limit=2, cursor=cursor)
    assert [r["label"] for r in rest] == ["k0"] and end is None

    key_id = made[0][1]["key_id"]
    rec = await keys.update(key_id, limits={"rpm": None, "daily_budget_usd": Decimal("2.5")}, label="renamed")
    assert rec["limits"] == {"daily_budget_usd": Decimal("2.5")} and rec["label"] == "renamed"
    assert await keys.update("nosuchkey000", status="revoked") is None

    assert await keys.get_jwt("alice") is None
    rec = await keys.upsert_jwt("alice", limits={"rpm": 3})
    assert rec["limits"] == {"rpm": 3} and (await keys.get_jwt("alice"))["limits"] == {"rpm": 3}
    rec = await keys.upsert_jwt("alice", status="revoked")
    assert rec["status"] == "revoked" and rec["limits"] == {"rpm": 3}
    page, _ = await keys.list_keys()
    assert len(page) == 3  # JWT records are not keys


async def test_creation_throttle_counts_per_ip(store):
    assert [await keys.count_creation("10.0.0.1", 2) for _ in range(3)] == [True, True, False]
    assert await keys.count_creation("10.0.0.2", 2) is True

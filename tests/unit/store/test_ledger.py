"""The ledger record and the hourly counters: one transaction, written exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gateway.accounting.pricing import Cost
from gateway.accounting.settlement import Outcome, usage_record
from gateway.accounting.usage import RawUsage
from gateway.context import Principal, RequestContext
from gateway.store import ledger as usage
from gateway.store import settlement
from gateway.store.dynamo import call, from_item
from gateway.store.errors import StoreError

TS = datetime(2026, 5, 4, 13, 59, 59, tzinfo=UTC).timestamp()


def _ctx(request_id: str = "req_1", key: str = "k1", app: str = "my-app") -> RequestContext:
    return RequestContext(request_id=request_id, principal=Principal(id=key), app_id=app, started_at=TS)


def _outcome(model: str = "gpt-4o-mini", provider: str | None = "openai") -> Outcome:
    return Outcome(
        status="ok",
        model=model,
        provider=provider,
        usage=RawUsage(100, 20, reported=True),
        cost=Cost(Decimal("0.000015000"), Decimal("0.000012000"), Decimal("0.000000001")),
    )


async def _get(pk: str, sk: str) -> dict:
    from gateway.settings import get_settings

    got = await call("get_item", TableName=get_settings().usage_table, Key={"pk": {"S": pk}, "sk": {"S": sk}})
    return from_item(got["Item"])


def test_settlement_items_are_a_conditional_put_two_adds_and_a_marker(store):
    items = usage.settlement_items(usage_record(_ctx(), _outcome()))
    assert [next(iter(i)) for i in items] == ["Put", "Update", "Update", "Put"]
    put, key_hour, all_hour, marker = items[0]["Put"], items[1]["Update"], items[2]["Update"], items[3]["Put"]
    assert put["ConditionExpression"] == "attribute_not_exists(pk)"
    assert put["Item"]["pk"] == {"S": "KEY#k1"} and put["Item"]["sk"]["S"].startswith(
        "REQ#2026-05-04T13:59:59"
    )
    assert key_hour["Key"] == {"pk": {"S": "KEY#k1"}, "sk": {"S": "HOUR#2026-05-04T13"}}
    assert all_hour["Key"]["pk"] == {"S": "ALL"}
    assert all_hour["Key"]["sk"]["S"] == f"HOUR#2026-05-04T13#{usage.shard_of('k1'):02d}"
    names = set(key_hour["ExpressionAttributeNames"].values())
    assert {"cost", "req", "tok", "cost|model|gpt-4o-mini", "req|provider|openai", "tok|app|my-app"} <= names
    # The gateway's item grows with nothing a caller chooses: no app, no key id.
    gateway_names = set(all_hour["ExpressionAttributeNames"].values())
    assert not any("|app|" in n for n in gateway_names) and "keys" not in gateway_names
    assert marker["Item"]["sk"] == {"S": "ACTIVE#2026-05-04T13#k1"}
    assert key_hour["UpdateExpression"].startswith("ADD ")


async def test_record_writes_once_and_counts_once(store):
    assert await settlement.record(usage_record(_ctx(), _outcome())) is True
    assert await settlement.record(usage_record(_ctx(), _outcome())) is False  # a replayed settlement
    await settlement.record(usage_record(_ctx("req_2", app="other-app"), _outcome("claude", None)))
    hour = await _get("KEY#k1", "HOUR#2026-05-04T13")
    assert hour["req"] == 2 and hour["tok"] == 240
    assert hour["cost"] == Decimal("0.000054002")  # exact: two requests at 0.000027001
    assert hour["cost|model|gpt-4o-mini"] == Decimal("0.000027001") and hour["req|model|claude"] == 1
    assert hour["req|provider|none"] == 1 and hour["tok|app|other-app"] == 120
    assert hour["apps"] == {"my-app", "other-app"}
    gateway = await _get("ALL", f"HOUR#2026-05-04T13#{usage.shard_of('k1'):02d}")
    assert gateway["req"] == 2 and "keys" not in gateway
    assert (await _get("ALL", "ACTIVE#2026-05-04T13#k1"))["key_id"] == "k1"
    # TTLs: the record after USAGE_TTL_DAYS (30), the counters a few days later.
    record = (
        await call(
            "query",
            TableName=store["UsageTable"],
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": "KEY#k1"}, ":s": {"S": "REQ#"}},
        )
    )["Items"]
    assert len(record) == 2
    assert int(record[0]["expires_at"]["N"]) == int(TS) + 30 * 86400
    assert hour["expires_at"] == int(TS) + 35 * 86400


async def test_other_failures_are_raised(store, monkeypatch):
    async def broken(op, **kw):
        raise StoreError("ValidationException", "item too large")

    monkeypatch.setattr(settlement, "call", broken)
    with pytest.raises(StoreError):
        await settlement.record(usage_record(_ctx("req_v"), _outcome()))


def test_hour_buckets_are_utc():
    assert usage.hour_of(TS) == "2026-05-04T13"
    assert usage.hour_of(TS + 1) == "2026-05-04T14"
    assert 0 <= usage.shard_of("any") < usage.GATEWAY_SHARDS

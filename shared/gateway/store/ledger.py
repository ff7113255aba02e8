"""The usage ledger and its hourly counters, written together in one transaction.

Per request, ``settlement_items`` gives three TransactWriteItems entries:

- the ledger record ``pk=KEY#<id>, sk=REQ#<time>#<request id>``, put only if absent, so a
  request is recorded exactly once however often settlement is retried;
- ``ADD`` on the key's hourly counters ``pk=KEY#<id>, sk=HOUR#<yyyy-mm-ddThh>``;
- ``ADD`` on the gateway's hourly counters ``pk=ALL, sk=HOUR#<yyyy-mm-ddThh>#<shard>``, which
  also ``ADD``s the key id to the string set ``keys``: the builder finds the keys active in
  the last 24 h by reading these items, never the ledger.

Counters are flat top-level numbers: ``cost``, ``req``, ``tok`` and, per dimension,
``cost|model|gpt-4o-mini``, ``req|provider|openai``, ``tok|app|my-app``. Costs are Decimal
(the ledger's nano-dollar amounts add exactly). The gateway item is sharded by key id
because every request of the gateway writes it: one item per hour would serialize
concurrent transactions (TransactionConflict) and would outgrow DynamoDB's 400 KB item limit
with the key-id set of a busy hour. Readers sum the shards.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.settings import get_settings
from gateway.store.dynamo import call, to_item
from gateway.store.errors import TransactionCancelled

if TYPE_CHECKING:
    from gateway.accounting.record import UsageRecord

GATEWAY_PK = "ALL"
GATEWAY_SHARDS = 16
HOURLY_TTL_EXTRA_DAYS = 5
"""Hourly counters outlive the ledger a little (reports over the last days stay whole)."""
DIMENSIONS = ("model", "provider", "app")
_MAX_NAME = 128


def hour_of(ts: float) -> str:
    """The UTC hour bucket of a UNIX time, ``yyyy-mm-ddThh``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H")


def shard_of(key_id: str) -> int:
    return zlib.crc32(key_id.encode()) % GATEWAY_SHARDS


def key_pk(key_id: str) -> str:
    return f"KEY#{key_id}"


def record_item(record: UsageRecord) -> dict[str, Any]:
    """The ledger item of one request, as stored (also logged in full when it cannot be stored)."""
    s = get_settings()
    at = datetime.fromtimestamp(record.started_at, UTC)
    u = record.usage
    return {
        "pk": key_pk(record.principal_id),
        "sk": f"REQ#{at.isoformat(timespec='milliseconds')}#{record.request_id}",
        "kind": "request",
        "request_id": record.request_id,
        "key_id": record.principal_id,
        "app_id": record.app_id,
        "model": record.model,
        "provider": record.provider,
        "status": record.status,
        "error_code": record.error_code,
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "cached_tokens": u.cached_tokens,
        "cache_write_tokens": u.cache_write_tokens,
        "usage_estimated": record.estimated,
        "input_cost_usd": record.cost.input,
        "output_cost_usd": record.cost.output,
        "cache_input_cost_usd": record.cost.cache_input,
        "total_cost_usd": record.cost.total,
        "latency_ms": round(record.latency_ms, 2),
        "ttft_ms": None if record.ttft_ms is None else round(record.ttft_ms, 2),
        "attempts": record.attempts,
        "created_at": at.isoformat(timespec="milliseconds"),
        "expires_at": int(record.started_at) + s.usage_ttl_days * 86400,
    }


def counters(record: UsageRecord) -> dict[str, int | Decimal]:
    """The amounts one request adds to an hourly item, by flat attribute name."""
    names = {"model": record.model, "provider": record.provider or "none", "app": record.app_id or "Unknown"}
    amounts: dict[str, int | Decimal] = {"cost": record.cost.total, "req": 1, "tok": record.tokens}
    out: dict[str, int | Decimal] = dict(amounts)
    for dim in DIMENSIONS:
        name = names[dim][:_MAX_NAME]
        for measure, amount in amounts.items():
            out[f"{measure}|{dim}|{name}"] = amount
    return out


def _add_update(
    table: str, pk: str, sk: str, amounts: dict[str, Any], sets: dict[str, Any], hour: str, expires_at: int
) -> dict[str, Any]:
    names: dict[str, str] = {"#h": "hour", "#e": "expires_at"}
    values: dict[str, Any] = {":h": {"S": hour}, ":e": {"N": str(expires_at)}}
    adds = []
    for i, (attr, amount) in enumerate([*amounts.items(), *sets.items()]):
        names[f"#a{i}"] = attr
        values[f":a{i}"] = to_item({"v": amount})["v"]
        adds.append(f"#a{i} :a{i}")
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "UpdateExpression": "ADD " + ", ".join(adds) + " SET #h = :h, #e = :e",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def settlement_items(record: UsageRecord) -> list[dict[str, Any]]:
    """TransactWriteItems entries for one request: ledger Put (exactly once), key hourly ADD,
    gateway hourly ADD (with the key id added to ``keys``). The Put comes first: a caller that
    merges these into a larger transaction finds it at index 0."""
    s = get_settings()
    table = s.usage_table
    key_id = record.principal_id
    hour = hour_of(record.started_at)
    expires_at = int(record.started_at) + (s.usage_ttl_days + HOURLY_TTL_EXTRA_DAYS) * 86400
    amounts = counters(record)
    return [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(record_item(record)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        _add_update(table, key_pk(key_id), f"HOUR#{hour}", amounts, {}, hour, expires_at),
        _add_update(
            table,
            GATEWAY_PK,
            f"HOUR#{hour}#{shard_of(key_id):02d}",
            amounts,
            {"keys": {key_id}},
            hour,
            expires_at,
        ),
    ]


LEDGER_INDEX = 0
"""Where ``settlement_items`` puts the ledger record."""


async def record(record: UsageRecord) -> bool:
    """Write the request's ledger record and counters (one round trip). False if already recorded."""
    try:
        await call("transact_write_items", TransactItems=settlement_items(record))
    except TransactionCancelled as exc:
        if exc.failed_at(LEDGER_INDEX):
            return False
        raise
    return True


__all__ = [
    "DIMENSIONS",
    "GATEWAY_PK",
    "GATEWAY_SHARDS",
    "LEDGER_INDEX",
    "counters",
    "hour_of",
    "key_pk",
    "record",
    "record_item",
    "settlement_items",
    "shard_of",
]

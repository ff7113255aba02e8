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

import asyncio
import random
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.settings import get_settings
from gateway.store.dynamo import call, to_item

if TYPE_CHECKING:
    from gateway.accounting.admission import Outcome
    from gateway.context import RequestContext

GATEWAY_PK = "ALL"
GATEWAY_SHARDS = 16
HOURLY_TTL_EXTRA_DAYS = 5
"""Hourly counters outlive the ledger a little (reports over the last days stay whole)."""
DIMENSIONS = ("model", "provider", "app")
_MAX_NAME = 128
_ATTEMPTS = 6


def hour_of(ts: float) -> str:
    """The UTC hour bucket of a UNIX time, ``yyyy-mm-ddThh``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H")


def shard_of(key_id: str) -> int:
    return zlib.crc32(key_id.encode()) % GATEWAY_SHARDS


def key_pk(key_id: str) -> str:
    return f"KEY#{key_id}"


def record_item(ctx: RequestContext, outcome: Outcome) -> dict:
    s = get_settings()
    now = datetime.fromtimestamp(ctx.started_at, UTC)
    u = outcome.usage
    return {
        "pk": key_pk(ctx.principal.id),
        "sk": f"REQ#{now.isoformat(timespec='milliseconds')}#{ctx.request_id}",
        "kind": "request",
        "request_id": ctx.request_id,
        "key_id": ctx.principal.id,
        "app_id": ctx.app_id,
        "model": outcome.model,
        "provider": outcome.provider,
        "status": outcome.status,
        "error_code": outcome.error_code,
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "cached_tokens": u.cached_tokens,
        "cache_write_tokens": u.cache_write_tokens,
        "usage_estimated": outcome.estimated,
        "input_cost_usd": outcome.cost.input,
        "output_cost_usd": outcome.cost.output,
        "cache_input_cost_usd": outcome.cost.cache_input,
        "total_cost_usd": outcome.cost.total,
        "latency_ms": round(ctx.elapsed_ms(), 2),
        "ttft_ms": None if ctx.ttft_ms() is None else round(ctx.ttft_ms(), 2),
        "attempts": ctx.attempts,
        "created_at": now.isoformat(timespec="milliseconds"),
        "expires_at": int(ctx.started_at) + s.usage_ttl_days * 86400,
    }


def counters(ctx: RequestContext, outcome: Outcome) -> dict[str, int | Decimal]:
    """The amounts one request adds to an hourly item, by flat attribute name."""
    names = {"model": outcome.model, "provider": outcome.provider or "none", "app": ctx.app_id or "Unknown"}
    amounts: dict[str, int | Decimal] = {
        "cost": outcome.cost.total,
        "req": 1,
        "tok": outcome.usage.prompt_tokens + outcome.usage.completion_tokens,
    }
    out: dict[str, int | Decimal] = dict(amounts)
    for dim in DIMENSIONS:
        name = names[dim][:_MAX_NAME]
        for measure, amount in amounts.items():
            out[f"{measure}|{dim}|{name}"] = amount
    return out


def _add_update(table: str, pk: str, sk: str, amounts: dict[str, Any], sets: dict[str, Any], hour: str,
                expires_at: int) -> dict[str, Any]:
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


def settlement_items(ctx: RequestContext, outcome: Outcome) -> list[dict[str, Any]]:
    """TransactWriteItems entries for one request: ledger Put (exactly once), key hourly ADD,
    gateway hourly ADD (with the key id added to ``keys``). The Put comes first: a caller that
    merges these into a larger transaction finds it at the index it inserted it."""
    s = get_settings()
    table = s.usage_table
    key_id = ctx.principal.id
    hour = hour_of(ctx.started_at)
    expires_at = int(ctx.started_at) + (s.usage_ttl_days + HOURLY_TTL_EXTRA_DAYS) * 86400
    amounts = counters(ctx, outcome)
    return [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(record_item(ctx, outcome)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        _add_update(table, key_pk(key_id), f"HOUR#{hour}", amounts, {}, hour, expires_at),
        _add_update(table, GATEWAY_PK, f"HOUR#{hour}#{shard_of(key_id):02d}", amounts, {"keys": {key_id}},
                    hour, expires_at),
    ]


def _reasons(exc: Exception) -> list[str]:
    response = getattr(exc, "response", None) or {}
    return [r.get("Code", "None") for r in response.get("CancellationReasons", [])]


async def transact(items: list[dict[str, Any]], *, ledger_index: int = 0) -> bool:
    """Run a settlement transaction in one round trip, retrying conflicts on hot counters.

    Returns False when the ledger record at ``ledger_index`` already existed: the request was
    settled before (perhaps by a retry after an ambiguous failure) and nothing was written.
    No ClientRequestToken: the ledger's condition already makes a replay harmless.
    """
    from botocore.exceptions import ClientError

    for attempt in range(_ATTEMPTS):
        try:
            await call("transact_write_items", TransactItems=items)
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            reasons = _reasons(exc)
            if code == "TransactionCanceledException" and len(reasons) > ledger_index:
                if reasons[ledger_index] == "ConditionalCheckFailed":
                    return False
                if "TransactionConflict" in reasons and attempt + 1 < _ATTEMPTS:
                    await asyncio.sleep(random.uniform(0, 0.02 * 2**attempt))
                    continue
            if code in ("TransactionInProgressException", "TransactionConflictException") and attempt + 1 < _ATTEMPTS:
                await asyncio.sleep(random.uniform(0, 0.02 * 2**attempt))
                continue
            raise
    return False  # pragma: no cover - the loop returns or raises


async def record(ctx: RequestContext, outcome: Outcome) -> bool:
    """Write the request's ledger record and counters (one round trip). False if already recorded."""
    return await transact(settlement_items(ctx, outcome))


__all__ = [
    "DIMENSIONS", "GATEWAY_PK", "GATEWAY_SHARDS", "counters", "hour_of", "key_pk", "record", "record_item",
    "settlement_items", "shard_of", "transact",
]

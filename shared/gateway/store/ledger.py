"""The usage ledger and its hourly counters, written together in one transaction.

Per request, ``settlement_items`` gives four TransactWriteItems entries:

- the ledger record ``pk=KEY#<id>, sk=REQ#<started, ms>#<request id>``, put only if absent,
  so a request is recorded exactly once however often (and by whom) settlement is tried;
- ``ADD`` on the key's hourly counters ``pk=KEY#<id>, sk=HOUR#<yyyy-mm-ddThh>``;
- ``ADD`` on the gateway's hourly counters ``pk=ALL, sk=HOUR#<yyyy-mm-ddThh>#<shard>``;
- a marker ``pk=ALL, sk=ACTIVE#<hour>#<key id>`` (put, idempotent): the report builder finds
  the keys active in the last 24 h by one Query over the markers, never the ledger.

Counters are flat top-level numbers: ``cost``, ``req``, ``tok`` and, per dimension,
``cost|model|gpt-4o-mini``, ``req|provider|openai``, ``tok|app|my-app``. Costs are Decimal
(the ledger's nano-dollar amounts add exactly).

No item grows without bound, whatever callers send:

- models and providers come from the catalog (and the configured deployments), never from
  the request, so there are only so many of them;
- apps (``X-App-ID``) are counted only on the key's own item, at most
  ``APP_IDS_PER_KEY_HOUR`` distinct ones an hour (the set ``apps`` on that item, checked by
  the update's condition); the rest count as ``other``;
- the gateway's item carries no app and no key id, and is sharded by key id because every
  request writes it (one item an hour would serialize concurrent transactions).

Analytics never cost a charge: when the counters cannot be written, ``store.settlement``
writes the ledger record and the charge without them.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.settings import get_settings
from gateway.store.dynamo import to_item

if TYPE_CHECKING:
    from gateway.accounting.record import UsageRecord

GATEWAY_PK = "ALL"
GATEWAY_SHARDS = 16
HOURLY_TTL_EXTRA_DAYS = 5
"""Hourly counters outlive the ledger a little (reports over the last days stay whole)."""
DIMENSIONS = ("model", "provider", "app")
GATEWAY_DIMENSIONS = ("model", "provider")
OTHER_APP = "other"
_MAX_NAME = 128
LEDGER_INDEX = 0
"""Where ``settlement_items`` puts the ledger record."""
KEY_HOUR_INDEX = 1
"""Where ``settlement_items`` puts the key's hourly counters (the one with the app condition)."""


def hour_of(ts: float) -> str:
    """The UTC hour bucket of a UNIX time, ``yyyy-mm-ddThh``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H")


def shard_of(key_id: str) -> int:
    return zlib.crc32(key_id.encode()) % GATEWAY_SHARDS


def key_pk(key_id: str) -> str:
    return f"KEY#{key_id}"


def ledger_ms(started_at: float) -> int:
    """The request's start in whole milliseconds: how its ledger record is keyed, by whoever writes it."""
    return round(started_at * 1000)


def _generated(record: UsageRecord) -> dict[str, int | Decimal]:
    """What a request generated beyond tokens, only where it did (images, seconds of audio)."""
    out: dict[str, int | Decimal] = {}
    if record.images:
        out["images"] = record.images
    if record.audio_seconds:
        out["audio_seconds"] = Decimal(str(round(record.audio_seconds, 3)))
    return out


def record_item(record: UsageRecord) -> dict[str, Any]:
    """The ledger item of one request, as stored (also logged in full when it cannot be stored)."""
    s = get_settings()
    at = datetime.fromtimestamp(ledger_ms(record.started_at) / 1000, UTC).isoformat(timespec="milliseconds")
    u = record.usage
    return {
        "pk": key_pk(record.principal_id),
        "sk": f"REQ#{at}#{record.request_id}",
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
        "created_at": at,
        "expires_at": int(record.started_at) + s.usage_ttl_days * 86400,
        **_generated(record),
    }


def counters(
    record: UsageRecord, *, app: str | None = None, dimensions: tuple[str, ...] = DIMENSIONS
) -> dict[str, int | Decimal]:
    """The amounts one request adds to an hourly item, by flat attribute name (``app`` replaces
    the record's app id, e.g. ``other`` past the cap)."""
    names = {
        "model": record.model,
        "provider": record.provider or "none",
        "app": app or record.app_id or "Unknown",
    }
    amounts: dict[str, int | Decimal] = {"cost": record.cost.total, "req": 1, "tok": record.tokens}
    generated = _generated(record)
    if "images" in generated:
        amounts["img"] = generated["images"]
    if "audio_seconds" in generated:
        amounts["aud"] = generated["audio_seconds"]
    out: dict[str, int | Decimal] = dict(amounts)
    for dim in dimensions:
        name = names[dim][:_MAX_NAME]
        for measure, amount in amounts.items():
            out[f"{measure}|{dim}|{name}"] = amount
    return out


def _add_update(
    table: str,
    pk: str,
    sk: str,
    amounts: dict[str, Any],
    hour: str,
    expires_at: int,
    *,
    app: str | None = None,
    app_cap: int | None = None,
) -> dict[str, Any]:
    names: dict[str, str] = {"#h": "hour", "#e": "expires_at"}
    values: dict[str, Any] = {":h": {"S": hour}, ":e": {"N": str(expires_at)}}
    adds = []
    for i, (attr, amount) in enumerate(amounts.items()):
        names[f"#a{i}"] = attr
        values[f":a{i}"] = to_item({"v": amount})["v"]
        adds.append(f"#a{i} :a{i}")
    update: dict[str, Any] = {"TableName": table, "Key": {"pk": {"S": pk}, "sk": {"S": sk}}}
    if app is not None and app_cap is not None:
        # One more distinct app only while the item has fewer than the cap (or already has it).
        names["#apps"] = "apps"
        values[":app"], values[":apps"], values[":cap"] = {"S": app}, {"SS": [app]}, {"N": str(app_cap)}
        adds.append("#apps :apps")
        update["ConditionExpression"] = (
            "attribute_not_exists(#apps) OR contains(#apps, :app) OR size(#apps) < :cap"
        )
    update.update(
        {
            "UpdateExpression": "ADD " + ", ".join(adds) + " SET #h = :h, #e = :e",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    )
    return {"Update": update}


def ledger_put(record: UsageRecord) -> dict[str, Any]:
    """The TransactWriteItems ``Put`` of the ledger record, only if absent (exactly once)."""
    return {
        "Put": {
            "TableName": get_settings().usage_table,
            "Item": to_item(record_item(record)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def settlement_items(record: UsageRecord, *, app_over_cap: bool = False) -> list[dict[str, Any]]:
    """TransactWriteItems entries for one request: the ledger Put (``LEDGER_INDEX``), the key's
    hourly ADD (``KEY_HOUR_INDEX``: conditional on the app cap, unless ``app_over_cap`` counts the
    app as ``other``), the gateway's hourly ADD and the active-key marker."""
    s = get_settings()
    table, key_id = s.usage_table, record.principal_id
    hour = hour_of(record.started_at)
    expires_at = int(record.started_at) + (s.usage_ttl_days + HOURLY_TTL_EXTRA_DAYS) * 86400
    app = OTHER_APP if app_over_cap else (record.app_id or "Unknown")[:_MAX_NAME]
    key_hour = _add_update(
        table,
        key_pk(key_id),
        f"HOUR#{hour}",
        counters(record, app=app),
        hour,
        expires_at,
        app=None if app_over_cap else app,
        app_cap=s.abuse.app_ids_per_key_hour,
    )
    gateway_hour = _add_update(
        table,
        GATEWAY_PK,
        f"HOUR#{hour}#{shard_of(key_id):02d}",
        counters(record, dimensions=GATEWAY_DIMENSIONS),
        hour,
        expires_at,
    )
    marker = {
        "Put": {
            "TableName": table,
            "Item": {
                "pk": {"S": GATEWAY_PK},
                "sk": {"S": f"ACTIVE#{hour}#{key_id}"},
                "kind": {"S": "active"},
                "hour": {"S": hour},
                "key_id": {"S": key_id},
                "expires_at": {"N": str(expires_at)},
            },
        }
    }
    return [ledger_put(record), key_hour, gateway_hour, marker]


__all__ = [
    "DIMENSIONS",
    "GATEWAY_DIMENSIONS",
    "GATEWAY_PK",
    "GATEWAY_SHARDS",
    "KEY_HOUR_INDEX",
    "LEDGER_INDEX",
    "OTHER_APP",
    "counters",
    "hour_of",
    "key_pk",
    "ledger_ms",
    "ledger_put",
    "record_item",
    "settlement_items",
    "shard_of",
]

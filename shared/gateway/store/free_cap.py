"""The free tier's gateway-wide daily cap: ``FREECAP#<day>`` items, one per shard (``SHARDS``,
chosen by principal). A free admission first takes its hold from its shard (conditional
``ADD``, at most the cap's share), settlement trues it up. A shard that is full refuses
although others may have room: the cap is never exceeded, at the price of being reached a
little early.
"""

from __future__ import annotations

import zlib
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from gateway.settings import get_settings
from gateway.store.accounts import NANO, to_nano
from gateway.store.dynamo import call, to_item
from gateway.store.errors import ConditionFailed

SHARDS = 8


def _key(principal_id: str, day: str) -> dict[str, Any]:
    shard = zlib.crc32(principal_id.encode()) % SHARDS
    return to_item({"pk": f"FREECAP#{day}", "sk": f"SHARD#{shard:02d}"})


async def take(
    principal_id: str, day: str, usd: Decimal, cap: Decimal | None, expires_at: int
) -> Decimal | None:
    """Count ``usd`` against the day's gateway-wide free-tier cap (this principal's shard of it;
    ``cap`` None: counted, never refused). The shard's count afterwards, as if every shard
    stood there (what the free tier will have cost when they all do); None, and nothing
    counted, when it cannot take it."""
    values: dict[str, Any] = {
        ":usd": {"N": str(to_nano(usd))},
        ":e": {"N": str(expires_at)},
        ":k": {"S": "free_cap"},
    }
    kw: dict[str, Any] = {
        "TableName": get_settings().keys_table,
        "Key": _key(principal_id, day),
        "UpdateExpression": "ADD #c :usd SET #e = :e, #k = :k",
        "ExpressionAttributeNames": {"#c": "committed_nusd", "#e": "expires_at", "#k": "kind"},
        "ExpressionAttributeValues": values,
        "ReturnValues": "UPDATED_NEW",
    }
    if cap is not None:
        room = int(((cap / SHARDS - usd) * NANO).to_integral_value(rounding=ROUND_FLOOR))
        if room < 0:
            return None
        kw["ConditionExpression"] = "attribute_not_exists(#c) OR #c <= :room"
        values[":room"] = {"N": str(room)}
    try:
        resp = await call("update_item", **kw)
    except ConditionFailed:
        return None
    shard = Decimal(int(resp["Attributes"]["committed_nusd"]["N"])) / NANO
    return shard * SHARDS


def update(principal_id: str, day: str, usd: Decimal) -> dict[str, Any]:
    """The TransactWriteItems ``Update`` that moves the free-tier cap's count by ``usd``
    (settlement's true-up, or giving back an admission that did not go through)."""
    return {
        "Update": {
            "TableName": get_settings().keys_table,
            "Key": _key(principal_id, day),
            "UpdateExpression": "ADD #c :usd",
            "ExpressionAttributeNames": {"#c": "committed_nusd"},
            "ExpressionAttributeValues": {":usd": {"N": str(to_nano(usd))}},
        }
    }


async def give_back(principal_id: str, day: str, usd: Decimal) -> None:
    await call("update_item", **update(principal_id, day, -usd)["Update"])


async def spent(day: str) -> Decimal:
    """What the free tier has committed today, across every key (all shards)."""
    resp = await call(
        "query",
        TableName=get_settings().keys_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"FREECAP#{day}"}},
        ConsistentRead=True,
    )
    return sum(
        (Decimal(int(i.get("committed_nusd", {}).get("N", "0"))) / NANO for i in resp.get("Items", [])),
        Decimal(0),
    )


__all__ = ["SHARDS", "give_back", "spent", "take", "update"]

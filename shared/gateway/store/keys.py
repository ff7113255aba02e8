"""API keys in the keys table: one item per key, ``pk = KEY#<id>, sk = KEY``, holding only the
key's hash. JWT subjects an admin has given limits to have a key-like item ``pk = JWT#<sub>``.
Keys are listed through the ``by_kind`` index (``kind = key``, newest first).

Self-serve creation is throttled per source IP with an atomic counter per IP per minute
(``pk = IPLIMIT#<ip>, sk = MIN#<epoch minute>``, conditional ``ADD``, expiring by TTL).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from gateway import clock
from gateway.identity import apikeys
from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item
from gateway.store.errors import ConditionFailed

SK = "KEY"
INDEX = "by_kind"


def _pk(key_id: str) -> str:
    return f"KEY#{key_id}"


def _jwt_pk(sub: str) -> str:
    return f"JWT#{sub}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


async def create(
    label: str | None, limits: dict[str, Any] | None = None, *, created_by: str = "self"
) -> tuple[str, dict[str, Any]]:
    """Store a new key; returns (plain key, stored record). The plain key exists only in the return value."""
    key_id, plain = apikeys.generate()
    record = {
        "pk": _pk(key_id),
        "sk": SK,
        "kind": "key",
        "key_id": key_id,
        "key_hash": apikeys.hash_key(plain),
        "label": label,
        "status": "active",
        "created_at": _now(),
        "created_by": created_by,
        "limits": limits or {},
    }
    await call(
        "put_item",
        TableName=get_settings().keys_table,
        Item=to_item(record),
        ConditionExpression="attribute_not_exists(pk)",
    )
    return plain, record


async def get(key_id: str) -> dict[str, Any] | None:
    resp = await call(
        "get_item",
        TableName=get_settings().keys_table,
        Key=to_item({"pk": _pk(key_id), "sk": SK}),
        ConsistentRead=True,
    )
    item = resp.get("Item")
    return from_item(item) if item else None


async def get_jwt(sub: str) -> dict[str, Any] | None:
    resp = await call(
        "get_item",
        TableName=get_settings().keys_table,
        Key=to_item({"pk": _jwt_pk(sub), "sk": SK}),
        ConsistentRead=True,
    )
    item = resp.get("Item")
    return from_item(item) if item else None


async def list_keys(limit: int = 100, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of keys, newest first, and the cursor of the next page (None at the end)."""
    kw: dict[str, Any] = {
        "TableName": get_settings().keys_table,
        "IndexName": INDEX,
        "Limit": limit,
        "ScanIndexForward": False,
        "KeyConditionExpression": "#k = :k",
        "ExpressionAttributeNames": {"#k": "kind"},
        "ExpressionAttributeValues": {":k": {"S": "key"}},
    }
    if cursor:
        kw["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    resp = await call("query", **kw)
    last = resp.get("LastEvaluatedKey")
    nxt = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
    return [from_item(i) for i in resp.get("Items", [])], nxt


async def update(
    key_id: str, *, label: str | None = None, limits: dict[str, Any] | None = None, status: str | None = None
) -> dict[str, Any] | None:
    """Change a key (limits are merged; a None value removes that limit). None if there is no such key."""
    return await _update(_pk(key_id), label=label, limits=limits, status=status, create=False)


async def upsert_jwt(
    sub: str, *, label: str | None = None, limits: dict[str, Any] | None = None, status: str | None = None
) -> dict[str, Any]:
    """Create or change the record holding a JWT subject's limits."""
    record = await _update(_jwt_pk(sub), label=label, limits=limits, status=status, create=True)
    assert record is not None
    return record


async def _update(
    pk: str, *, label: str | None, limits: dict[str, Any] | None, status: str | None, create: bool
) -> dict[str, Any] | None:
    if create and limits:
        # A nested SET needs its map to exist, and one expression cannot both create and fill it.
        await _update(pk, label=None, limits=None, status=None, create=True)
        create = False
    sets, removes = ["#u = :u"], []
    names: dict[str, str] = {"#u": "updated_at"}
    values: dict[str, Any] = {":u": {"S": _now()}}
    if create:
        sets.append("#lim = if_not_exists(#lim, :empty)")
        names["#lim"], values[":empty"] = "limits", {"M": {}}
    if limits:
        # Only the admin changes limits: from now on this principal's limits are the admin's.
        sets.append("#managed = :managed")
        names["#managed"], values[":managed"] = "managed", {"BOOL": True}
    if label is not None:
        sets.append("#label = :label")
        names["#label"], values[":label"] = "label", {"S": label}
    if status is not None:
        sets.append("#status = :status")
        names["#status"], values[":status"] = "status", {"S": status}
    for i, (name, value) in enumerate((limits or {}).items()):
        names["#lim"], names[f"#l{i}"] = "limits", name
        if value is None:
            removes.append(f"#lim.#l{i}")
        else:
            sets.append(f"#lim.#l{i} = :l{i}")
            values[f":l{i}"] = to_item({"v": value})["v"]
    expr = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    kw: dict[str, Any] = {
        "TableName": get_settings().keys_table,
        "Key": to_item({"pk": pk, "sk": SK}),
        "UpdateExpression": expr,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_NEW",
    }
    if not create:
        kw["ConditionExpression"] = "attribute_exists(pk)"
    try:
        resp = await call("update_item", **kw)
    except ConditionFailed:
        return None
    return from_item(resp["Attributes"])


async def count_creation(source_ip: str, per_minute: int) -> bool:
    """Count one self-serve creation from ``source_ip``; False when the minute's allowance is used up."""
    minute = int(clock.now() // 60)
    try:
        await call(
            "update_item",
            TableName=get_settings().keys_table,
            Key=to_item({"pk": f"IPLIMIT#{source_ip}", "sk": f"MIN#{minute}"}),
            UpdateExpression="ADD #n :one SET #e = :e",
            ConditionExpression="attribute_not_exists(#n) OR #n < :max",
            ExpressionAttributeNames={"#n": "n", "#e": "expires_at"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":max": {"N": str(per_minute)},
                ":e": {"N": str((minute + 2) * 60)},
            },
        )
    except ConditionFailed:
        return False
    return True

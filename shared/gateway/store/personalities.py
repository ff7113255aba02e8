"""Personalities the admin made or changed, in the keys table: ``pk=PERSONA#<id>, sk=PERSONA``,
listed through the ``by_kind`` index (``kind = personality``). Shipped ones live in the
catalog (``catalog/personalities.py``); one stored here under the same id replaces it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway import clock
from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item
from gateway.store.errors import ConditionFailed

SK = "PERSONA"
KIND = "personality"
_INDEX = "by_kind"


def _key(personality_id: str) -> dict[str, Any]:
    return to_item({"pk": f"PERSONA#{personality_id}", "sk": SK})


def _now() -> str:
    return datetime.fromtimestamp(clock.now(), UTC).isoformat(timespec="milliseconds")


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in item.items() if k not in ("pk", "sk", "kind", "created_at", "updated_at", "deleted")
    }


async def get(personality_id: str) -> dict[str, Any] | None:
    """A stored personality's fields, or None."""
    resp = await call("get_item", TableName=get_settings().keys_table, Key=_key(personality_id))
    item = from_item(resp["Item"]) if resp.get("Item") else None
    return None if item is None or item.get("deleted") else _fields(item)


async def list_all() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": get_settings().keys_table,
        "IndexName": _INDEX,
        "KeyConditionExpression": "#k = :k",
        "ExpressionAttributeNames": {"#k": "kind"},
        "ExpressionAttributeValues": {":k": {"S": KIND}},
    }
    while True:
        page = await call("query", **kwargs)
        out.extend(_fields(item) for item in map(from_item, page.get("Items", [])) if not item.get("deleted"))
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def put(personality_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create or replace a personality (its whole definition)."""
    now = _now()
    item = {
        "pk": f"PERSONA#{personality_id}",
        "sk": SK,
        "kind": KIND,
        "id": personality_id,
        "created_at": now,
        "updated_at": now,
        **{k: v for k, v in fields.items() if v is not None},
    }
    await call("put_item", TableName=get_settings().keys_table, Item=to_item(item))
    return _fields(item)


async def delete(personality_id: str) -> bool:
    """Remove a stored personality (marked deleted, as keys are revoked: nothing the request
    path runs deletes items); False if there was none."""
    try:
        await call(
            "update_item",
            TableName=get_settings().keys_table,
            Key=_key(personality_id),
            UpdateExpression="SET #d = :t, #u = :now",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#d)",
            ExpressionAttributeNames={"#d": "deleted", "#u": "updated_at"},
            ExpressionAttributeValues={":t": {"BOOL": True}, ":now": {"S": _now()}},
        )
    except ConditionFailed:
        return False
    return True


__all__ = ["delete", "get", "list_all", "put"]

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


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "kind", "created_at", "updated_at")}


async def get(personality_id: str) -> dict[str, Any] | None:
    """A stored personality's fields, or None."""
    resp = await call("get_item", TableName=get_settings().keys_table, Key=_key(personality_id))
    return _fields(from_item(resp["Item"])) if resp.get("Item") else None


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
        out.extend(_fields(from_item(i)) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def put(personality_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create or replace a personality (its whole definition)."""
    now = datetime.fromtimestamp(clock.now(), UTC).isoformat(timespec="milliseconds")
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
    """Remove a stored personality; False if there was none."""
    try:
        await call(
            "delete_item",
            TableName=get_settings().keys_table,
            Key=_key(personality_id),
            ConditionExpression="attribute_exists(pk)",
        )
    except ConditionFailed:
        return False
    return True


__all__ = ["delete", "get", "list_all", "put"]

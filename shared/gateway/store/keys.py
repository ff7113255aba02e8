"""API keys in the keys table: one item per key, ``pk = KEY#<id>``, holding only the key's hash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway import apikeys
from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item

SK = "KEY"


def _pk(key_id: str) -> str:
    return f"KEY#{key_id}"


async def create(label: str | None, limits: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
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
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
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
        "get_item", TableName=get_settings().keys_table, Key=to_item({"pk": _pk(key_id), "sk": SK}), ConsistentRead=True
    )
    item = resp.get("Item")
    return from_item(item) if item else None

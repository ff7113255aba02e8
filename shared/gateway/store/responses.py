"""Stored responses (``POST /v1/responses`` with ``store: true``) in the keys table.

One item per response, ``pk = RESP#<id>, sk = RESP``: the key (principal) that made it, the
response as returned, and the conversation that led to it in Chat Completions form (what
``previous_response_id`` continues), expiring by TTL after ``TTL_S``. A response is only ever
read or deleted by the principal that made it: for anyone else it does not exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gateway import clock
from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item
from gateway.store.errors import ConditionFailed

SK = "RESP"
TTL_S = 30 * 86_400
"""How long a stored response is kept (OpenAI keeps them 30 days)."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    response: dict[str, Any]
    """The response object as it was returned."""
    conversation: list[dict[str, Any]]
    """Every message up to and including the response's answer, in Chat Completions form
    (``instructions`` are not part of it: they are not carried over)."""


def _pk(response_id: str) -> str:
    return f"RESP#{response_id}"


async def put(owner: str, response: dict[str, Any], conversation: list[dict[str, Any]]) -> None:
    now = clock.now()
    await call(
        "put_item",
        TableName=get_settings().keys_table,
        Item=to_item(
            {
                "pk": _pk(response["id"]),
                "sk": SK,
                "owner": owner,
                "response": json.dumps(response, separators=(",", ":")),
                "conversation": json.dumps(conversation, separators=(",", ":")),
                "expires_at": int(now + TTL_S),
            }
        ),
    )


async def get(owner: str, response_id: str) -> StoredResponse | None:
    """The response, if ``owner`` made it and it has not expired (TTL deletion can lag)."""
    out = await call(
        "get_item",
        TableName=get_settings().keys_table,
        Key=to_item({"pk": _pk(response_id), "sk": SK}),
        ConsistentRead=True,
    )
    if "Item" not in out:
        return None
    item = from_item(out["Item"])
    if item.get("owner") != owner or item.get("deleted") or int(item.get("expires_at") or 0) <= clock.now():
        return None
    return StoredResponse(json.loads(item["response"]), json.loads(item["conversation"]))


async def delete(owner: str, response_id: str) -> bool:
    """True if the response existed for ``owner`` and is now gone. Its content is erased at
    once; the emptied item stays until its TTL (nothing the request path runs deletes items:
    template.yaml grants no DeleteItem)."""
    try:
        await call(
            "update_item",
            TableName=get_settings().keys_table,
            Key=to_item({"pk": _pk(response_id), "sk": SK}),
            UpdateExpression="REMOVE #r, #c SET #d = :t",
            ConditionExpression="attribute_exists(pk) AND #o = :o AND attribute_not_exists(#d)",
            ExpressionAttributeNames={"#o": "owner", "#r": "response", "#c": "conversation", "#d": "deleted"},
            ExpressionAttributeValues=to_item({":o": owner, ":t": True}),
        )
    except ConditionFailed:
        return False
    return True

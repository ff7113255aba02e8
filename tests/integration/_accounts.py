"""Helpers for the keys, limits and wallet tests: admin calls, concurrent requests, ledger reads."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import httpx

KEYS_TABLE, USAGE_TABLE = "gateway-local-KeysTable", "gateway-local-UsageTable"


def admin_headers(stack) -> dict[str, str]:
    return {"x-api-key": stack.admin_key}


def create_key(stack, label: str = "test", **limits: Any) -> dict[str, Any]:
    """A key made by the admin API, with limits; returns the creation response (id, key, limits)."""
    with stack.http() as c:
        r = c.post("/v1/keys", json={"label": label, **limits}, headers=admin_headers(stack))
    assert r.status_code == 201, r.text
    return r.json()


def chat(
    client: httpx.Client, key: str, content: str = "Hello", model: str = "gpt-4o-mini", **kw: Any
) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": content}], **kw}
    return client.post("/v1/chat/completions", json=body, headers={"x-api-key": key})


def concurrently(stack, n: int, fn) -> list[httpx.Response]:
    """Call ``fn(client)`` n times at once (n threads, pooled connections), results in order."""
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    with (
        httpx.Client(base_url=stack.base_url.removesuffix("/v1"), timeout=60, limits=limits) as client,
        ThreadPoolExecutor(max_workers=n) as pool,
    ):
        return list(pool.map(lambda _: fn(client), range(n)))


def dynamodb(stack):
    return boto3.resource(
        "dynamodb",
        endpoint_url=stack.dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def account(stack, principal_id: str) -> dict[str, Any]:
    item = (
        dynamodb(stack)
        .Table(KEYS_TABLE)
        .get_item(Key={"pk": f"ACCT#{principal_id}", "sk": "ACCT"}, ConsistentRead=True)
    )
    return item.get("Item") or {}


def ledger(stack, principal_id: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.conditions import Key

    table, items, kw = dynamodb(stack).Table(USAGE_TABLE), [], {}
    while True:
        resp = table.query(
            KeyConditionExpression=Key("pk").eq(f"KEY#{principal_id}") & Key("sk").begins_with("REQ#"),
            ConsistentRead=True,
            **kw,
        )
        items += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return items
        kw["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def spent_today(item: dict[str, Any]) -> Decimal:
    from datetime import UTC, datetime

    return usd(item, f"d#{datetime.now(UTC):%Y-%m-%d}#s")


def usd(item: dict[str, Any], name: str) -> Decimal:
    """An account amount (stored as integer nano-dollars) in USD."""
    return Decimal(int(item.get(name, 0))) / 1_000_000_000


def open_holds(item: dict[str, Any]) -> list[str]:
    return [k for k in item if k.startswith("h#")]


def eventually(check: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    """Whether ``check`` comes true within ``timeout_s``: for what another process does in its
    own time (the stack settling after a client hung up), never to let time pass."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True

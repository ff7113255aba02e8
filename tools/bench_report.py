"""The scheduled report build for N keys (make bench): seed N keys x 24 hourly counter items
into a fresh local DynamoDB (moto), run the builder once, print JSON.

    python -m tools.bench_report [--keys 10000] [--concurrency 32]

Timings are moto's on this machine (one request at a time, milliseconds per call), so the
figures that carry over to DynamoDB are the round trips: the gateway's Query, a
BatchGetItem per 4 active keys, a BatchWriteItem per 25 reports, independent of request count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODELS = [
    ("gpt-4o-mini", "openai"),
    ("claude-sonnet-4-20250514", "anthropic"),
    ("gemini-2.0-flash", "gemini"),
]


def _store() -> tuple[str, dict[str, str]]:
    for p in (str(ROOT / "shared"), str(ROOT)):
        if p not in sys.path:
            sys.path.insert(0, p)
    from local import dynamo
    from local.template import load

    url, _ = dynamo.start_server()
    names = dynamo.create_tables(load(), url)
    os.environ.update(
        {
            "DYNAMODB_ENDPOINT_URL": url,
            "USAGE_TABLE": names["UsageTable"],
            "KEYS_TABLE": names["KeysTable"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    return url, names


def _hour_item(pk: str, sk: str, hour: str, i: int, *, apps: bool = True) -> dict[str, Any]:
    model, provider = MODELS[i % len(MODELS)]
    cost, req, tok = Decimal(i % 97 + 1) / Decimal(10_000), i % 5 + 1, (i % 5 + 1) * 700
    item: dict[str, Any] = {"pk": pk, "sk": sk, "hour": hour, "cost": cost, "req": req, "tok": tok}
    dims = [("model", model), ("provider", provider)] + ([("app", f"app-{i % 4}")] if apps else [])
    for dim, name in dims:
        item.update({f"cost|{dim}|{name}": cost, f"req|{dim}|{name}": req, f"tok|{dim}|{name}": tok})
    return item


def seed(n_keys: int, now: float) -> int:
    """N keys x 24 hourly items, and the gateway's items naming them, written straight into
    moto's in-process backend (over HTTP moto takes about a millisecond per item)."""
    from boto3.dynamodb.types import TypeSerializer
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    table, ser = os.environ["USAGE_TABLE"], TypeSerializer()
    return _seed_into(
        lambda item: backend.put_item(table, {k: ser.serialize(v) for k, v in item.items()}), n_keys, now
    )


async def _build(now: float, concurrency: int) -> dict[str, Any]:
    from gateway.context import Principal, RequestContext, current_context
    from gateway.reports.builder import build_scheduled

    ctx = RequestContext(request_id="bench", principal=Principal(id="bench"))
    current_context.set(ctx)  # counts and times every store call of the build
    stats = await build_scheduled(now, concurrency=concurrency)
    return {**stats, "store_calls": ctx.store_calls, "store_ms": round(ctx.store_ms, 1)}


class MemoryStore:
    """The three calls a build makes, answered from a dict of DynamoDB-JSON items: the
    builder's own cost (decoding, adding up, encoding reports) without moto's."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: dict[str, int] = {}

    def put(self, item: dict[str, Any]) -> None:
        from gateway.store.dynamo import to_item

        wire = to_item(item)
        self.items[(item["pk"], item["sk"])] = wire

    async def call(self, operation: str, **kw: Any) -> dict[str, Any]:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        if operation == "query":
            values = kw["ExpressionAttributeValues"]
            pk, lo, hi = values[":pk"]["S"], values[":a"]["S"], values[":b"]["S"]
            return {"Items": [v for (p, sk), v in self.items.items() if p == pk and lo <= sk <= hi]}
        if operation == "batch_get_item":
            ((table, req),) = kw["RequestItems"].items()
            found = [self.items.get((k["pk"]["S"], k["sk"]["S"])) for k in req["Keys"]]
            return {"Responses": {table: [f for f in found if f]}}
        if operation == "batch_write_item":
            ((table, reqs),) = kw["RequestItems"].items()
            for r in reqs:
                item = r["PutRequest"]["Item"]
                self.items[(item["pk"]["S"], item["sk"]["S"])] = item
            return {}
        raise NotImplementedError(operation)


def _seed_into(put: Any, n_keys: int, now: float) -> int:
    from gateway.reports.builder import window
    from gateway.store.ledger import GATEWAY_PK, shard_of

    hours = window(now)
    key_ids = [f"bench{i:06d}" for i in range(n_keys)]
    shards: dict[int, set[str]] = {}
    for k in key_ids:
        shards.setdefault(shard_of(k), set()).add(k)
    written = 0
    for n, k in enumerate(key_ids):
        for j, hour in enumerate(hours):
            put(_hour_item(f"KEY#{k}", f"HOUR#{hour}", hour, n + j))
            put(
                {"pk": GATEWAY_PK, "sk": f"ACTIVE#{hour}#{k}", "hour": hour, "key_id": k}
            )  # the active-key marker
            written += 2
    for j, hour in enumerate(hours):
        for shard in shards:
            put(_hour_item(GATEWAY_PK, f"HOUR#{hour}#{shard:02d}", hour, j, apps=False))
            written += 1
    return written


def run_memory(n_keys: int, concurrency: int) -> dict[str, Any]:
    from gateway.reports import builder
    from gateway.store import reports as store

    memory, now = MemoryStore(), time.time()
    _seed_into(memory.put, n_keys, now)
    real, store.call = store.call, memory.call
    try:
        started = time.process_time()
        stats = asyncio.run(builder.build_scheduled(now, concurrency=concurrency))
        cpu_s = time.process_time() - started
    finally:
        store.call = real
    return {
        "store": "in memory (the builder's own cost)",
        "keys": n_keys,
        "build_s": round(stats["ms"] / 1000, 2),
        "build_cpu_s": round(cpu_s, 2),
        "per_key_ms": round(stats["ms"] / max(1, n_keys), 3),
        "reports_written": stats["reports"],
        "store_calls": memory.calls,
    }


def run_moto(n_keys: int, concurrency: int) -> dict[str, Any]:
    now = time.time()
    started = time.perf_counter()
    items = seed(n_keys, now)
    seed_s = time.perf_counter() - started
    build = asyncio.run(_build(now, concurrency))
    return {
        "store": "moto server (local, one request at a time)",
        "keys": n_keys,
        "hourly_items_seeded": items,
        "seed_s": round(seed_s, 1),
        "build_s": round(build["ms"] / 1000, 2),
        "per_key_ms": round(build["ms"] / max(1, n_keys), 3),
        "reports_written": build["reports"],
        "store_calls": build["store_calls"],
    }


def run(n_keys: int = 10_000, moto_keys: int = 400, concurrency: int = 32) -> dict[str, Any]:
    _store()
    return {
        "bench": "report_build",
        "memory": run_memory(n_keys, concurrency),
        "moto": run_moto(moto_keys, concurrency),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000, help="keys for the in-memory build")
    parser.add_argument("--moto-keys", type=int, default=400, help="keys for the build against moto")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.keys, args.moto_keys, args.concurrency), indent=2))


if __name__ == "__main__":
    main()

"""Write usage through the settlement path with controlled timestamps, and sum the ledger."""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal
from typing import Any

import boto3

from gateway.accounting.pricing import Cost
from gateway.accounting.settlement import Outcome, usage_record
from gateway.accounting.usage import RawUsage
from gateway.context import Principal, RequestContext
from gateway.store import settlement

MODELS = [
    ("gpt-4o-mini", "openai"),
    ("claude-sonnet", "anthropic"),
    ("gemini-flash", "gemini"),
    ("llama-70b", "groq"),
    ("gpt-4o-mini", "azure"),
]
APPS = ["Unknown", "my-app", "batch|nightly", "<script>alert(1)</script>"]


def context(key_id: str, app: str, ts: float) -> RequestContext:
    return RequestContext(
        request_id=f"req_{uuid.uuid4().hex}", principal=Principal(id=key_id), app_id=app, started_at=ts
    )


def outcome(model: str, provider: str | None, prompt: int, completion: int, status: str = "ok") -> Outcome:
    cost = Cost(
        Decimal(prompt) * Decimal("0.000000150"),
        Decimal(completion) * Decimal("0.000000600"),
        Decimal("0.000000001") * (prompt % 7),
    )
    return Outcome(
        status=status,
        model=model,
        provider=provider,
        usage=RawUsage(prompt, completion, reported=True),
        cost=cost,
    )


async def record(ctx: RequestContext, result: Outcome) -> bool:
    """Write one request's ledger record and counters, as settlement does."""
    return await settlement.record(usage_record(ctx, result))


async def seed(keys: list[str], now: float, n: int, rng: random.Random, spread_s: float = 26 * 3600) -> None:
    """``n`` requests spread over ``spread_s`` before ``now`` (by default some outside the 24 h window)."""
    writes = []
    for _ in range(n):
        model, provider = rng.choice(MODELS)
        ts = now - rng.uniform(0, spread_s)
        status = rng.choice(["ok", "ok", "ok", "partial", "cancelled"])
        writes.append(
            record(
                context(rng.choice(keys), rng.choice(APPS), ts),
                outcome(model, provider, rng.randint(1, 5000), rng.randint(0, 2000), status),
            )
        )
    for i in range(0, n, 8):  # a few at a time, as concurrent requests settle
        assert all(await asyncio.gather(*writes[i : i + 8]))


def ledger(store: dict[str, str]) -> list[dict[str, Any]]:
    """Every ledger record (a test may scan; reports never do)."""
    table = boto3.resource(
        "dynamodb",
        endpoint_url=store["url"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(store["UsageTable"])
    out, kw = [], {}
    while True:
        page = table.scan(**kw)
        out += [i for i in page["Items"] if i["sk"].startswith("REQ#")]
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]

"""The ledger's property test (issue 10): seeded random interleavings of requests (JSON and
SSE), provider failures, clients disconnecting mid-stream, wallet funding and limit changes,
run concurrently through the in-process gateway (every router in one app, the run's local
DynamoDB, the provider simulator). Afterwards:

- balance + charges = funding (to the nano-dollar the account counts),
- the day's spend is within the largest daily budget the key ever had,
- every admitted request has exactly one ledger record, and no record is unaccounted for,
- no hold is left open.

Bounded by the number of operations (``LEDGER_OPS``), not by time; ``LEDGER_SEED`` replays a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.adversarial.conftest import ADMIN_KEY

SEED = int(os.environ.get("LEDGER_SEED", "10"))
OPS = int(os.environ.get("LEDGER_OPS", "160"))
CONCURRENCY = 8
BUDGETS = (Decimal("0.004"), Decimal("0.008"))
MODELS = ("gpt-4o-mini", "claude-haiku-4-5-20251001", "gemini-2.5-flash")
FAULTS = ({"fault": "status", "status": 503}, {"fault": "disconnect", "after": 6}, {"fault": "malformed"})
NANO = Decimal("0.000000001")


@dataclass
class Outcome:
    request_id: str | None
    status: int
    cut: bool = False


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    credited_usd: Decimal = Decimal(0)
    budgets: list[Decimal] = field(default_factory=list)
    ops: dict[str, int] = field(default_factory=dict)


async def _asgi(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes, cut_after: int | None
):
    """One request straight through the ASGI app. ``cut_after``: the client is gone after that
    many body chunks (the server's next send fails, as uvicorn's does for a closed socket)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("gw", 80),
    }
    sent = False
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    start: dict[str, Any] = {}
    chunks = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal chunks
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body" and message.get("body"):
            if cut_after is not None and chunks >= cut_after:
                gone.set()
                raise OSError("client gone")
            chunks += 1

    try:
        await app(scope, receive, send)
    except OSError:
        pass
    except Exception as exc:  # starlette's ClientDisconnect for the OSError above
        if type(exc).__name__ != "ClientDisconnect":
            raise
    headers_out = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start.get("status", 0), headers_out.get("x-request-id"), gone.is_set()


async def _ledger(key_id: str) -> list[dict[str, Any]]:
    from gateway.settings import get_settings
    from gateway.store.dynamo import call, from_item, to_item

    items: list[dict[str, Any]] = []
    kw: dict[str, Any] = {
        "TableName": get_settings().usage_table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :req)",
        "ExpressionAttributeValues": to_item({":pk": f"KEY#{key_id}", ":req": "REQ#"}),
        "ConsistentRead": True,
    }
    while True:
        resp = await call("query", **kw)
        items += [from_item(i) for i in resp.get("Items", [])]
        if not resp.get("LastEvaluatedKey"):
            return items
        kw["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2])
async def test_random_interleavings_keep_the_ledger_exact(gateway, seed):
    from gateway.payments.local import LocalBackend
    from gateway.store import accounts, keys, wallet

    app = gateway.client._transport.app  # type: ignore[attr-defined]  # httpx's ASGI transport keeps the app
    rng = random.Random(seed)
    run = Run(budgets=[BUDGETS[0]])
    plain, record = await keys.create("ledger", {"daily_budget_usd": BUDGETS[0], "free_requests": 0})
    key_id = record["key_id"]
    auth = {"x-api-key": plain, "content-type": "application/json"}
    admin = {"x-api-key": ADMIN_KEY, "content-type": "application/json"}
    sim = httpx.AsyncClient(base_url=gateway.simulator)

    async def fund() -> None:
        resp = await gateway.client.post(
            "/v1/wallet/fund", json={"amount": rng.randint(200, 2000)}, headers=auth
        )
        assert resp.status_code == 201, resp.text
        invoice = resp.json()
        stored = await wallet.get_invoice(invoice["invoiceId"])
        assert stored is not None
        await LocalBackend().mark_paid(stored["payment_hash"])
        # Two pollers race to credit it: exactly one may.
        polls = await asyncio.gather(
            *(
                gateway.client.get(
                    "/v1/wallet/status", params={"invoiceId": invoice["invoiceId"]}, headers=auth
                )
                for _ in range(2)
            )
        )
        assert all(p.status_code == 200 and p.json()["status"] == "credited" for p in polls)
        run.credited_usd += Decimal(str(stored["amount_usd"]))

    async def complete(stream: bool, cut: int | None) -> None:
        body = {
            "model": rng.choice(MODELS),
            "messages": [{"role": "user", "content": "word " * rng.randint(1, 200)}],
            "max_tokens": rng.choice([16, 64, 256, 1024]),
            "stream": stream,
        }
        status, rid, was_cut = await _asgi(
            app, "POST", "/v1/chat/completions", auth, json.dumps(body).encode(), cut
        )
        run.outcomes.append(Outcome(rid, status, was_cut))

    async def fault() -> None:
        spec = rng.choice(FAULTS)
        await sim.post(
            "/_sim/faults",
            json={"provider": rng.choice(["openai", "anthropic", "gemini"]), "count": 1, **spec},
        )

    async def change_limits() -> None:
        budget = rng.choice(BUDGETS)
        run.budgets.append(budget)
        limits: dict[str, Any] = {"daily_budget_usd": float(budget)}
        if rng.random() < 0.3:
            limits["rpm"] = rng.choice([None, 30, 1000])
        resp = await gateway.client.patch(f"/v1/keys/{key_id}", json=limits, headers=admin)
        assert resp.status_code == 200, resp.text

    choices = [
        ("json", lambda: complete(False, None)),
        ("stream", lambda: complete(True, None)),
        ("disconnect", lambda: complete(True, rng.randint(0, 4))),
        ("fault", fault),
        ("fund", fund),
        ("limits", change_limits),
    ]
    weights = [30, 25, 15, 12, 10, 8]
    plan = [rng.choices(choices, weights)[0] for _ in range(OPS)]
    await fund()
    try:
        for i in range(0, len(plan), CONCURRENCY):
            batch = plan[i : i + CONCURRENCY]
            for name, _ in batch:
                run.ops[name] = run.ops.get(name, 0) + 1
            await asyncio.gather(*(op() for _, op in batch))
    finally:
        await sim.delete("/_sim/faults")
        await sim.aclose()

    ledger = await _ledger(key_id)
    by_request: dict[str, int] = {}
    for item in ledger:
        by_request[item["request_id"]] = by_request.get(item["request_id"], 0) + 1
    sent = {o.request_id for o in run.outcomes}
    admitted = [o for o in run.outcomes if o.status in (200, 502)]  # 429/402: refused at admission
    account = await accounts.get(key_id)
    charges = sum((Decimal(str(i["total_cost_usd"])) for i in ledger), Decimal(0))
    from gateway import clock

    figures = {
        "seed": seed,
        "ops": run.ops,
        "statuses": {
            s: sum(o.status == s for o in run.outcomes) for s in sorted({o.status for o in run.outcomes})
        },
        "cut": sum(o.cut and o.status == 200 for o in run.outcomes),
        "records": len(ledger),
        "funding_usd": str(run.credited_usd),
        "charges_usd": str(charges),
        "balance_usd": str(account.balance_usd),
        "spent_usd": str(account.spent_usd(clock.now())),
    }
    print("ledger property:", json.dumps(figures))

    assert all(n == 1 for n in by_request.values()), "a request has more than one ledger record"
    assert set(by_request) <= sent, "a ledger record for a request nobody sent"
    assert all(by_request.get(o.request_id) == 1 for o in admitted), "an admitted request without its record"
    assert account.holds == [], "a hold left open"
    # The account counts nano-dollars: each charge is rounded once, at settlement.
    assert abs(account.balance_usd + charges - run.credited_usd) <= NANO * len(ledger), figures
    assert account.spent_usd(clock.now()) <= max(run.budgets), figures
    assert len(admitted) > OPS // 4 and run.ops.get("disconnect", 0) > 0  # the run did exercise the path

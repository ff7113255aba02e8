"""The gateway's own work per request, measured in process, side by side with its baseline.

The chat function's ASGI app serves requests through ``httpx.ASGITransport`` with the
provider answered by ``httpx.MockTransport`` and the store calls (admission, settlement,
key lookup) answered at once, so what remains is the gateway's code: parsing, validation,
target resolution, the adapter's transforms, pricing, rendering. The baseline is the same
client calling a trivial ASGI app that makes the same mocked upstream call and returns the
same bytes; the difference is the gateway's own work. Medians over interleaved rounds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

ROOT = Path(__file__).resolve().parent.parent
CANNED = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi there"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Benchmark me"}], "max_tokens": 16}


def _install_stubs() -> ASGIApp:
    for p in (str(ROOT / "shared"), str(ROOT / "functions" / "chat_completions")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import app as fn  # the chat function's module

    from gateway.accounting import admission as accounting
    from gateway.api import common
    from gateway.context import Principal
    from gateway.store import health

    async def authenticate(headers: object) -> Principal:
        return Principal(id="bench")

    async def admit(ctx: object, request: object, targets: object) -> accounting.Admission:
        return accounting.Admission()

    async def settle(ctx: object, admission: object, outcome: object) -> None:
        return None

    async def cooling(*a: object, **k: object) -> set[str]:
        return set()

    from gateway.accounting import settlement

    common.authenticate = authenticate
    accounting.admit = admit
    settlement.settle = settle  # type: ignore[assignment]  # the store answers at once
    health.cooling = cooling
    return fn.app


async def _measure(n: int, rounds: int) -> dict[str, float]:
    gateway_app = _install_stubs()
    from gateway import http_client

    raw = json.dumps(CANNED).encode()
    upstream = httpx.AsyncClient(
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, content=raw, headers={"content-type": "application/json"})
        )
    )
    http_client._clients["providers"][asyncio.get_running_loop()] = upstream

    async def baseline_app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        r = await upstream.post("http://up/v1/chat/completions", json=BODY)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": r.content})

    async def run(app: ASGIApp, k: int) -> list[float]:
        out = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            for _ in range(k):
                t = time.perf_counter()
                r = await c.post("/v1/chat/completions", json=BODY, headers={"x-api-key": "k"})
                out.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
        return out

    await run(gateway_app, 300)
    await run(baseline_app, 300)
    gw, base = [], []
    for _ in range(rounds):
        base += await run(baseline_app, n)
        gw += await run(gateway_app, n)
    return {
        "requests": len(gw),
        "gateway_ms_p50": round(statistics.median(gw), 3),
        "baseline_ms_p50": round(statistics.median(base), 3),
        "own_work_ms_p50": round(statistics.median(gw) - statistics.median(base), 3),
        "gateway_ms_p99": round(sorted(gw)[int(0.99 * (len(gw) - 1))], 3),
        "baseline_ms_p99": round(sorted(base)[int(0.99 * (len(base) - 1))], 3),
        "ratio_p50": round(statistics.median(gw) / statistics.median(base), 2),
    }


def run(n: int = 500, rounds: int = 5) -> dict[str, float]:
    return asyncio.run(_measure(n, rounds))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

"""make bench: the gateway's own overhead, store round trips, and cold start.

Overhead is measured side by side in one run: the same requests go straight to the
provider simulator and through the gateway (local stack) to it, interleaved, and the
difference of medians (and of p99s) is the gateway's cost. The ``Server-Timing`` header
splits each gateway request into time in the store and the rest. The simulator runs in its
own process so that it does not share the gateway's interpreter.

Cold start: a fresh interpreter imports the chat function's app and serves its first event
(in-process ASGI, store included), repeated, median reported.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Benchmark me"}], "max_tokens": 16}
_TIMING = re.compile(r'store;dur=([\d.]+);desc="(\d+) calls"')


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


async def _run(
    client: httpx.AsyncClient, url: str, headers: dict, n: int, concurrency: int
) -> tuple[list[float], list[tuple[float, int]]]:
    lat: list[float] = []
    store: list[tuple[float, int]] = []
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            t = time.perf_counter()
            r = await client.post(url, json=BODY, headers=headers)
            lat.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            m = _TIMING.search(r.headers.get("server-timing", ""))
            if m:
                store.append((float(m.group(1)), int(m.group(2))))

    await asyncio.gather(*(one() for _ in range(n)))
    return lat, store


async def overhead(
    gateway: str, simulator: str, key: str, concurrency: int, rounds: int, per_round: int
) -> dict:
    direct_all, gw_all, store_all = [], [], []
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await _run(client, f"{gateway}/v1/chat/completions", {"x-api-key": key}, 20, concurrency)  # warm up
        await _run(client, f"{simulator}/openai/v1/chat/completions", {}, 20, concurrency)
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits both sides
            d, _ = await _run(client, f"{simulator}/openai/v1/chat/completions", {}, per_round, concurrency)
            g, s = await _run(
                client, f"{gateway}/v1/chat/completions", {"x-api-key": key}, per_round, concurrency
            )
            direct_all += d
            gw_all += g
            store_all += s
    store_ms = [s for s, _ in store_all]
    calls = [c for _, c in store_all]
    med_store = statistics.median(store_ms) if store_ms else 0.0
    return {
        "concurrency": concurrency,
        "requests": len(gw_all),
        "direct_ms": {"p50": round(statistics.median(direct_all), 3), "p99": round(pct(direct_all, 99), 3)},
        "gateway_ms": {"p50": round(statistics.median(gw_all), 3), "p99": round(pct(gw_all, 99), 3)},
        "overhead_ms": {
            "p50": round(statistics.median(gw_all) - statistics.median(direct_all), 3),
            "p99": round(pct(gw_all, 99) - pct(direct_all, 99), 3),
        },
        "store_ms": {"p50": round(med_store, 3), "p99": round(pct(store_ms, 99) if store_ms else 0.0, 3)},
        "overhead_excluding_store_ms": {
            "p50": round(statistics.median(gw_all) - statistics.median(direct_all) - med_store, 3),
        },
        "store_round_trips_per_request": {
            "max": max(calls) if calls else None,
            "median": statistics.median(calls) if calls else None,
        },
    }


_COLD = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
sys.path[:0] = [{pkg!r}, {fn!r}]
import app
t1 = time.perf_counter()
import httpx
async def first():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app.app), base_url="http://lambda") as c:
        r = await c.post("/v1/chat/completions", json={body!r}, headers={{"x-api-key": {key!r}}})
        assert r.status_code == 200, r.text
asyncio.run(first())
t2 = time.perf_counter()
print(json.dumps({{"import_ms": (t1 - t0) * 1000, "first_event_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}}))
"""


def _lambda_python() -> str | None:
    """The Lambda runtime's Python (template: python3.13) where this machine has it."""
    import glob
    import shutil

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13.*/bin/python3.13")))
    return found[-1] if found else shutil.which("python3.13")


def cold_start(env: dict[str, str], key: str, runs: int = 7) -> dict:
    """Median cold start, two ways: the built GatewayLayer under the runtime's Python (as
    deployed: layer bytecode, Lambda wheels), when ``sam build`` has run and python3.13 is
    here; and the development virtualenv, always."""
    fn = str(ROOT / "functions" / "chat_completions")
    setups = {"dev_venv": (sys.executable, str(ROOT / "shared"))}
    layer = ROOT / ".aws-sam" / "build" / "GatewayLayer" / "python"
    py313 = _lambda_python()
    if layer.is_dir() and py313:
        setups["built_layer_python3.13"] = (py313, str(layer))
    out: dict = {"runs": runs}
    for name, (python, pkg) in setups.items():
        code = _COLD.format(pkg=pkg, fn=fn, body=BODY, key=key)
        samples = []
        for _ in range(runs):
            # -B: nothing written, so every run reads exactly what the package ships.
            run = subprocess.run(
                [python, "-B", "-c", code], env=env, capture_output=True, text=True, check=True
            )
            samples.append(json.loads(run.stdout.strip().splitlines()[-1]))
        out[name] = {
            k: round(statistics.median(s[k] for s in samples), 1)
            for k in ("import_ms", "first_event_ms", "total_ms")
        }
    return out


def main() -> None:
    port, sim_port = _free_port(), _free_port()
    state = Path(tempfile.mkdtemp()) / "stack.json"
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    simulator = f"http://127.0.0.1:{sim_port}"
    sim = subprocess.Popen(
        [sys.executable, "-m", "local.simulator", "--port", str(sim_port)], cwd=ROOT, env=env
    )
    stack_env = {
        **env,
        "PORT": str(port),
        "GATEWAY_STATE_FILE": str(state),
        "OPENAI_BASE_URL": simulator + "/openai/v1",
        "OPENAI_API_KEY": "sim-key",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    stack = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=stack_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{simulator}/_sim/stats")
        while not state.exists():
            time.sleep(0.1)
        info = json.loads(state.read_text())
        gateway = info["base_url"].removesuffix("/v1")
        _wait(gateway + "/v1/models")
        results = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
            },
            "overhead": [
                asyncio.run(overhead(gateway, simulator, info["demo_key"], c, rounds=5, per_round=n))
                for c, n in ((1, 60), (32, 320))
            ],
        }
        cold_env = {
            **stack_env,
            "DYNAMODB_ENDPOINT_URL": info["dynamodb_url"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "KEYS_TABLE": "gateway-local-KeysTable",
            "USAGE_TABLE": "gateway-local-UsageTable",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        results["cold_start"] = cold_start(cold_env, info["demo_key"])
        # Each in a fresh interpreter: they configure the gateway package their own way.
        for name, module in (
            ("own_work_in_process", "tools.bench_inprocess"),
            ("report_build", "tools.bench_report"),
        ):
            out = subprocess.run(
                [sys.executable, "-m", module],
                cwd=ROOT,
                env={**env, "POWERTOOLS_METRICS_DISABLED": "true"},
                capture_output=True,
                text=True,
                check=True,
            )
            results[name] = json.loads(out.stdout)
        print(json.dumps(results, indent=2))
        _table(results)
    finally:
        stack.terminate()
        sim.terminate()
        stack.wait(10)
        sim.wait(10)


def _table(r: dict) -> None:
    print(
        "\n| concurrency | direct p50 / p99 ms | gateway p50 / p99 ms | overhead p50 / p99 ms | store p50 ms | overhead w/o store p50 ms | store round trips |"
    )
    print("|---|---|---|---|---|---|---|")
    for o in r["overhead"]:
        print(
            f"| {o['concurrency']} | {o['direct_ms']['p50']} / {o['direct_ms']['p99']} | {o['gateway_ms']['p50']} / "
            f"{o['gateway_ms']['p99']} | {o['overhead_ms']['p50']} / {o['overhead_ms']['p99']} | {o['store_ms']['p50']} | "
            f"{o['overhead_excluding_store_ms']['p50']} | {o['store_round_trips_per_request']['max']} |"
        )
    c = r["cold_start"]
    for name, v in c.items():
        if name != "runs":
            print(
                f"cold start, {name} (median of {c['runs']}): import {v['import_ms']} ms, "
                f"first event {v['first_event_ms']} ms, total {v['total_ms']} ms"
            )
    o = r["own_work_in_process"]
    print(
        f"gateway's own work in process (store and provider answered at once): p50 {o['own_work_ms_p50']} ms "
        f"(gateway {o['gateway_ms_p50']} ms vs baseline {o['baseline_ms_p50']} ms, ratio {o['ratio_p50']})"
    )


if __name__ == "__main__":
    main()

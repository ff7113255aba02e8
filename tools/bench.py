"""make bench: the gateway's own overhead, store round trips, and cold start, with LiteLLM's proxy
side by side.

Overhead is measured side by side in one run: the same requests go straight to the
provider simulator and through the gateway (local stack) to it, interleaved, and the
difference of medians (and of p99s) is the gateway's cost. The ``Server-Timing`` header
splits each gateway request into time in the store and the rest. The simulator runs in its
own process so that it does not share the gateway's interpreter.

LiteLLM's proxy (``tools/bench_litellm.py``: pinned, in a throwaway virtualenv, one worker,
no database) gets the same requests in the same rounds, pointed at the same simulator:
overhead at concurrency 1 and requests per second at concurrency 32, with ratios. If it
cannot be installed the bench says so and runs the rest.

Cold start (``tools/bench_cold.py``): a fresh interpreter imports the chat function's app and
serves its first event (in-process ASGI, store included), repeated, median reported.
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

from tools import bench_cold

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
) -> tuple[list[float], list[tuple[float, int]], float]:
    """n requests, ``concurrency`` at a time: latencies (ms), store timings, and requests per second."""
    lat: list[float] = []
    store: list[tuple[float, int]] = []
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            t = time.perf_counter()
            try:
                r = await client.post(url, json=BODY, headers=headers)
            except httpx.HTTPError as exc:
                raise RuntimeError(f"{url}: {exc!r}") from exc
            lat.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            m = _TIMING.search(r.headers.get("server-timing", ""))
            if m:
                store.append((float(m.group(1)), int(m.group(2))))

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return lat, store, n / (time.perf_counter() - started)


def _ms(xs: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(xs), 3), "p99": round(pct(xs, 99), 3)}


async def overhead(
    targets: dict[str, tuple[str, dict]], concurrency: int, rounds: int, per_round: int
) -> dict:
    """The same requests to each target (``direct`` first, then ``gateway``, then others such as
    ``litellm``), interleaved round by round so drift on a shared machine hits all alike."""
    lat: dict[str, list[float]] = {name: [] for name in targets}
    rps: dict[str, list[float]] = {name: [] for name in targets}
    store_all: list[tuple[float, int]] = []
    # Idle connections are dropped by the client after 2 s: uvicorn (the simulator's, LiteLLM's)
    # closes them after 5, and a connection reused as the server closes it is a ReadError.
    limits = httpx.Limits(
        max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for url, headers in targets.values():  # warm up
            await _run(client, f"{url}/chat/completions", headers, 20, concurrency)
        for _ in range(rounds):
            for name, (url, headers) in targets.items():
                xs, s, r = await _run(client, f"{url}/chat/completions", headers, per_round, concurrency)
                lat[name] += xs
                rps[name].append(r)
                if name == "gateway":
                    store_all += s
    direct = lat["direct"]
    store_ms = [s for s, _ in store_all]
    calls = [c for _, c in store_all]
    med_store = statistics.median(store_ms) if store_ms else 0.0
    out: dict = {"concurrency": concurrency, "requests": len(lat["gateway"])}
    for name, xs in lat.items():
        out[f"{name}_ms"] = _ms(xs)
        if name != "direct":
            out[f"{name}_overhead_ms" if name != "gateway" else "overhead_ms"] = {
                "p50": round(statistics.median(xs) - statistics.median(direct), 3),
                "p99": round(pct(xs, 99) - pct(direct, 99), 3),
            }
    out["requests_per_s"] = {name: round(statistics.median(v), 1) for name, v in rps.items()}
    out["store_ms"] = {"p50": round(med_store, 3), "p99": round(pct(store_ms, 99) if store_ms else 0.0, 3)}
    out["overhead_excluding_store_ms"] = {"p50": round(out["overhead_ms"]["p50"] - med_store, 3)}
    out["store_round_trips_per_request"] = {
        "max": max(calls) if calls else None,
        "median": statistics.median(calls) if calls else None,
    }
    return out


def versus_litellm(overheads: list[dict], about: str) -> dict:
    """The two targets of the issue, gateway against LiteLLM in the same run, with ratios
    (gateway / LiteLLM: below 1 is better for overhead, above 1 for throughput)."""
    by_c = {o["concurrency"]: o for o in overheads}
    one, many = by_c[1], by_c[32]
    if "litellm_ms" not in one:
        return {"litellm": about, "measured": False}
    out: dict = {"litellm": about, "measured": True}
    for p in ("p50", "p99"):
        ours, theirs = one["overhead_ms"][p], one["litellm_overhead_ms"][p]
        out[f"overhead_c1_{p}_ms"] = {
            "gateway": ours,
            "litellm": theirs,
            "ratio": round(ours / theirs, 2) if theirs > 0 else None,
        }
    ours, theirs = many["requests_per_s"]["gateway"], many["requests_per_s"]["litellm"]
    out["requests_per_s_c32"] = {
        "gateway": ours,
        "litellm": theirs,
        "ratio": round(ours / theirs, 2) if theirs else None,
    }
    out["targets_met"] = {
        "overhead_c1_p50": out["overhead_c1_p50_ms"]["gateway"] < out["overhead_c1_p50_ms"]["litellm"],
        "requests_per_s_c32": ours > theirs,
    }
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-litellm", action="store_true", help="skip the LiteLLM side-by-side run")
    parser.add_argument(
        "--overhead-only",
        action="store_true",
        help="only the end-to-end overhead (no cold start, in-process or report benches)",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--cold-against",
        action="append",
        default=[],
        metavar="REV",
        help="also time the cold start of this git revision's package, side by side (repeatable)",
    )
    parser.add_argument("--cold-runs", type=int, default=7, help="fresh interpreters per cold-start tree")
    args = parser.parse_args(argv)

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
        # Thousands of requests with the demo key: neither its free tier nor the gateway's daily
        # free-tier cap may run out mid-bench (LiteLLM has neither to check).
        "FREE_TIER_REQUESTS": "100000000",
        "FREE_TIER_DAILY_CAP_USD": "none",
    }
    stack = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=stack_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    litellm = None
    about = "skipped (--no-litellm)"
    if not args.no_litellm:
        from tools import bench_litellm

        exe, about = bench_litellm.install()
        if exe is not None:
            try:
                litellm = bench_litellm.Proxy(exe, simulator, _free_port())
            except OSError as exc:
                about = f"litellm could not be started: {exc}"
        print(f"LiteLLM baseline: {about}", file=sys.stderr, flush=True)
    try:
        _wait(f"{simulator}/_sim/stats")
        while not state.exists():
            time.sleep(0.1)
        info = json.loads(state.read_text())
        gateway = info["base_url"].removesuffix("/v1")
        _wait(gateway + "/v1/models")
        targets = {
            "direct": (simulator + "/openai/v1", {}),
            "gateway": (gateway + "/v1", {"x-api-key": info["demo_key"]}),
        }
        if litellm is not None:
            try:
                litellm.wait()
                targets["litellm"] = (litellm.url + "/v1", litellm.headers)
            except RuntimeError as exc:
                about = f"litellm did not start: {str(exc)[-300:]}"
                litellm.stop()
                litellm = None
        results = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
            },
            "overhead": [
                asyncio.run(overhead(targets, c, rounds=args.rounds, per_round=n))
                for c, n in ((1, 60), (32, 320))
            ],
        }
        results["vs_litellm"] = versus_litellm(results["overhead"], about)
        if litellm is not None:
            litellm.stop()
            litellm = None
        if not args.overhead_only:
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
            results["cold_start"] = bench_cold.cold_start(
                cold_env, info["demo_key"], BODY, args.cold_runs, tuple(args.cold_against)
            )
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
        if litellm is not None:
            litellm.stop()
        stack.terminate()
        sim.terminate()
        stack.wait(10)
        sim.wait(10)


def _table(r: dict) -> None:
    print(
        "\n| concurrency | direct p50 / p99 ms | gateway p50 / p99 ms | overhead p50 / p99 ms | store p50 ms | overhead w/o store p50 ms | store round trips | requests/s direct / gateway |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for o in r["overhead"]:
        print(
            f"| {o['concurrency']} | {o['direct_ms']['p50']} / {o['direct_ms']['p99']} | {o['gateway_ms']['p50']} / "
            f"{o['gateway_ms']['p99']} | {o['overhead_ms']['p50']} / {o['overhead_ms']['p99']} | {o['store_ms']['p50']} | "
            f"{o['overhead_excluding_store_ms']['p50']} | {o['store_round_trips_per_request']['max']} | "
            f"{o['requests_per_s']['direct']} / {o['requests_per_s']['gateway']} |"
        )
    v = r["vs_litellm"]
    if v["measured"]:
        print(f"\nAgainst {v['litellm']}, same run, same client and body (ratio = gateway / LiteLLM):")
        print("| | gateway | LiteLLM | ratio |")
        print("|---|---|---|---|")
        for label, key in (
            ("overhead p50, concurrency 1 (ms)", "overhead_c1_p50_ms"),
            ("overhead p99, concurrency 1 (ms)", "overhead_c1_p99_ms"),
            ("requests/s, concurrency 32", "requests_per_s_c32"),
        ):
            print(f"| {label} | {v[key]['gateway']} | {v[key]['litellm']} | {v[key]['ratio']} |")
    else:
        print(f"\nLiteLLM side by side: not measured ({v['litellm']}).")
    c = r.get("cold_start")
    for name, val in (c or {}).items():
        if name != "runs":
            print(
                f"cold start, {name} (median of {c['runs']}): import {val['import_ms']} ms, "
                f"first event {val['first_event_ms']} ms, total {val['total_ms']} ms"
            )
    o = r.get("own_work_in_process")
    if o:
        print(
            f"gateway's own work in process (store and provider answered at once): p50 {o['own_work_ms_p50']} ms "
            f"(gateway {o['gateway_ms_p50']} ms vs baseline {o['baseline_ms_p50']} ms, ratio {o['ratio_p50']})"
        )


if __name__ == "__main__":
    main()

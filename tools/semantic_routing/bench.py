"""Latency of one routing decision, embedding included, on one thread.

    python -m tools.semantic_routing.bench [--n 500] [--data CSV] [--embedding-only minilm:128]

Times ``UniRouter.route(text)`` (embed + cluster weights + scoring over every profiled
model) per prompt after one warm-up call, and prints JSON with p50/p99/mean in ms plus the
cold-start cost (artifact load + embedder load + first decision). Prompts come from
``--data`` (a RouterBench CSV, cycled) or a seeded synthetic set of 50-6,000 characters.
``--embedding-only SPEC`` times just that embedding backend (to compare candidates).

Threads: BLAS/OpenMP pools are pinned to one thread before numpy is first imported, and
the ONNX backend runs with intra_op_num_threads=1, so the figures are per core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_WORDS = [
    "explain",
    "the",
    "difference",
    "between",
    "a",
    "list",
    "and",
    "a",
    "tuple",
    "in",
    "python",
    "write",
    "a",
    "function",
    "that",
    "returns",
    "the",
    "nth",
    "fibonacci",
    "number",
    "which",
    "planet",
    "is",
    "closest",
    "to",
    "the",
    "sun",
    "summarize",
    "this",
    "paragraph",
    "in",
    "one",
    "sentence",
    "translate",
    "into",
    "french",
    "what",
    "is",
    "the",
    "capital",
    "of",
    "australia",
    "prove",
    "that",
    "the",
    "square",
    "root",
    "of",
    "two",
    "is",
    "irrational",
    "choose",
    "the",
    "best",
    "answer",
    "A",
    "B",
    "C",
    "D",
]


def synthetic_prompts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = int(10 ** rng.uniform(1.7, 3.8))  # 50 .. ~6,300 characters, log-uniform
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < length:
            words.append(rng.choice(_WORDS))
        out.append(" ".join(words))
    return out


def _percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "p50_ms": round(pct(50), 3),
        "p99_ms": round(pct(99), 3),
        "mean_ms": round(sum(ordered) / len(ordered), 3),
        "max_ms": round(ordered[-1], 3),
    }


def measure(call: Callable[[str], Any], prompts: Sequence[str]) -> dict[str, float]:
    """Wall-clock per call over ``prompts`` (after the caller's warm-up)."""
    samples = []
    for text in prompts:
        start = time.perf_counter()
        call(text)
        samples.append((time.perf_counter() - start) * 1000.0)
    return _percentiles(samples)


def _pin_threads() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--data", type=Path, help="take prompts from a RouterBench CSV")
    parser.add_argument("--cost-weight", type=float, default=0.0)
    parser.add_argument("--embedding-only", help="time one embedding backend, e.g. minilm:128")
    args = parser.parse_args(argv)
    if "numpy" not in sys.modules:
        _pin_threads()

    if args.data is not None:
        from tools.semantic_routing._dataset import load_csv

        pool = list(load_csv(args.data).prompts)
        prompts = [pool[i % len(pool)] for i in range(args.n)]
    else:
        prompts = synthetic_prompts(args.n)

    start = time.perf_counter()
    if args.embedding_only:
        from gateway.semantic_routing.embed import get_embedder

        embedder = get_embedder(args.embedding_only)
        call: Callable[[str], Any] = embedder.embed
        label = {"timed": "embedding only", "embedding": str(embedder.spec)}
    else:
        from gateway.semantic_routing.uniroute import default_router

        router = default_router()

        def call(text: str) -> Any:
            return router.route(text, cost_weight=args.cost_weight)

        label = {
            "timed": "route(): embed + cluster weights + score",
            "embedding": router.config.embedding,
            "models": len(router.profiles),
            "clusters": router.config.num_clusters,
        }
    call(prompts[0])
    cold_ms = (time.perf_counter() - start) * 1000.0
    report = {
        **label,
        "n": len(prompts),
        "threads": 1,
        "cold_start_ms": round(cold_ms, 1),
        **measure(call, prompts),
    }
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

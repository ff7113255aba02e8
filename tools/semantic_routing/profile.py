"""Profile a model through the gateway: add it to the router without retraining.

    python -m tools.semantic_routing.profile --model <catalog model id> --data <csv> \\
        --base-url http://127.0.0.1:3000/v1 --api-key <key> [--limit N]

Sends labelled prompts through the gateway's OpenAI-compatible chat completions API,
grades each answer against ``gold`` (tools.semantic_routing.grading; rows without gold are skipped
and counted), counts errors per cluster of the shipped centroids (nearest centroid, the
same shrinkage as training), and writes the model's entry into profiles.json with source
"profiled through the gateway". The mean cost per request is the mean of the gateway's
``usage.total_cost_usd``; if the gateway does not report it, pass ``--mean-cost-usd``.

Which prompts: for the training CSV, its validation split (sample_ids in data/split.json),
as the shipped profiles were; for any other CSV, all rows. ``--limit N`` takes the first N
gradable rows of a seeded shuffle, so a small run still mixes tasks.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gateway.semantic_routing._assign import hard_assign
from gateway.semantic_routing._bundle import ARTIFACTS_DIR, ModelProfile
from gateway.semantic_routing.uniroute import UniRouter
from tools.semantic_routing._artifacts import upsert_profile
from tools.semantic_routing._dataset import RouterBenchData, load_csv
from tools.semantic_routing._embeddings import embed_texts
from tools.semantic_routing._fit import cluster_error
from tools.semantic_routing.grading import grade, is_gradable

SOURCE = "profiled through the gateway"
MAX_TOKENS = 64


@dataclass(frozen=True)
class Outcome:
    row: int
    correct: bool | None  # None: the request failed
    cost_usd: float | None
    error: str | None = None


def select_rows(
    data: RouterBenchData, split: dict[str, Any], limit: int | None, seed: int = 0
) -> tuple[list[int], int]:
    """Rows to send (gradable only) and how many candidate rows had no usable gold."""
    index = {sid: i for i, sid in enumerate(data.sample_ids)}
    val_ids = split.get("validation", [])
    if val_ids and all(s in index for s in val_ids):
        rows = [index[s] for s in val_ids]
    else:
        rows = list(range(len(data)))
    gradable = [i for i in rows if is_gradable(data.gold[i])]
    skipped = len(rows) - len(gradable)
    if limit is not None:
        gradable.sort(key=lambda i: data.sample_ids[i])
        random.Random(seed).shuffle(gradable)
        gradable = sorted(gradable[:limit])
    return gradable, skipped


def ask(client: httpx.Client, model: str, prompt: str, row: int, gold: str) -> Outcome:
    """One chat completion, graded; transport and HTTP failures are returned, not raised."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
    }
    try:
        response = client.post("chat/completions", json=body)
        response.raise_for_status()
        payload = response.json()
        answer = payload["choices"][0]["message"].get("content") or ""
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        return Outcome(row, None, None, f"{type(exc).__name__}: {exc}"[:200])
    cost = (payload.get("usage") or {}).get("total_cost_usd")
    return Outcome(row, grade(answer, gold), float(cost) if isinstance(cost, int | float) else None)


def run(
    client: httpx.Client, model: str, data: RouterBenchData, rows: Sequence[int], concurrency: int
) -> list[Outcome]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(ask, client, model, data.prompts[i], i, data.gold[i]) for i in rows]
        return sorted((f.result() for f in futures), key=lambda o: o.row)


def build_profile(
    router: UniRouter,
    model: str,
    data: RouterBenchData,
    outcomes: Sequence[Outcome],
    mean_cost_usd: float | None,
    date: str,
    cache_dir: Path | None = None,
) -> ModelProfile:
    """Per-cluster error over the graded outcomes, with the shipped centroids and prior."""
    import numpy as np

    graded = [o for o in outcomes if o.correct is not None]
    if not graded:
        raise SystemExit("no answer could be graded: nothing to profile")
    costs = [o.cost_usd for o in graded if o.cost_usd is not None]
    if mean_cost_usd is None:
        if not costs:
            raise SystemExit("the gateway reported no usage.total_cost_usd; pass --mean-cost-usd")
        mean_cost_usd = float(np.mean(costs))
    x = embed_texts(router.config.embedding, [data.prompts[o.row] for o in graded], cache_dir)
    labels = hard_assign(x, router.centroids)
    correct = np.asarray([[1.0 if o.correct else 0.0] for o in graded])
    errors = cluster_error(labels, correct, router.config.num_clusters, router.config.profile_prior_strength)[
        0
    ]
    return ModelProfile(model, tuple(float(e) for e in errors), mean_cost_usd, SOURCE, len(graded), date)


def main(argv: Sequence[str] | None = None, transport: httpx.BaseTransport | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the gateway catalog's model id")
    parser.add_argument("--data", required=True, type=Path, help="RouterBench-format CSV with gold answers")
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:3000/v1")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--limit", type=int, help="profile on at most N gradable prompts")
    parser.add_argument("--mean-cost-usd", type=float, help="cost per request if the gateway reports none")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR)
    parser.add_argument("--date", default=dt.date.today().isoformat())
    parser.add_argument("--dry-run", action="store_true", help="print the profile; do not write it")
    args = parser.parse_args(argv)

    router = UniRouter.load(args.artifacts)
    split_path = args.artifacts / "split.json"
    split = json.loads(split_path.read_text()) if split_path.is_file() else {}
    data = load_csv(args.data)
    rows, skipped = select_rows(data, split, args.limit)
    headers = {"Authorization": f"Bearer {args.api_key}"}
    base_url = args.base_url.rstrip("/") + "/"
    with httpx.Client(
        base_url=base_url, headers=headers, timeout=args.timeout, transport=transport
    ) as client:
        outcomes = run(client, args.model, data, rows, max(1, args.concurrency))
    profile = build_profile(router, args.model, data, outcomes, args.mean_cost_usd, args.date)
    failed = [o for o in outcomes if o.correct is None]
    report = {
        "model": args.model,
        "sent": len(rows),
        "graded": profile.validation_size,
        "correct": sum(1 for o in outcomes if o.correct),
        "skipped_no_gold": skipped,
        "failed_requests": len(failed),
        "first_failures": [o.error for o in failed[:3]],
        "profile": profile.to_json(),
    }
    if not args.dry_run:
        upsert_profile(args.artifacts / "profiles.json", profile)
        report["written_to"] = str(args.artifacts / "profiles.json")
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

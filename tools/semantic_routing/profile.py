"""Profile a model for the router without retraining the clusters: live through the gateway,
or offline from recorded outcomes.

Live (the everyday path):

    python -m tools.semantic_routing.profile --model <catalog id> --base-url http://127.0.0.1:3000/v1 \\
        [--api-key KEY | env GATEWAY_API_KEY] [--data FILE] [--limit N] [--out PATH] [--dry-run]

sends the shipped labelled validation set (``data/validation_set.jsonl``; ``--data`` takes
another JSONL of the same shape or a RouterBench-format CSV) through the gateway's chat
completions API to that model, grades each answer with its task's grader
(``grading.grade_task``), counts errors per cluster of the shipped centroids (nearest
centroid, the training-time shrinkage toward the model's overall error), and writes the
model's profile. Its cost per request is the mean of the gateway's ``usage.total_cost_usd``
(``--mean-cost-usd`` if the gateway reports none). It prints what the run cost and how
confident each cluster's estimate is (stderr), then the JSON report (stdout).

Offline:

    python -m tools.semantic_routing.profile --from-csv ../shared/routing/current_models_train.csv [--model ID ...]

profiles every model column (or the ``--model`` ones) of a RouterBench-format CSV of
recorded outcomes on a seeded ``profile`` part of its rows (``_dataset.PROFILE_FRACTIONS``)
and saves the split beside the artifacts (``split.<csv stem>.json``) so that
``tools.semantic_routing.evaluate`` scores only the held-out rest. On the clusters'
own training CSV the validation split is used, as at training. Written into the shipped
profiles.json, it also refits the sub-clusters (``_refine_select``): a top-level cluster the
profile rows cover densely may be split, by cross-validation on those rows alone.

Either way, a model whose graded prompts land in a refined cluster also gets its error per
sub-cluster there, shrunk toward its error in the cluster.

Where profiles go: ``--out``, else ``ROUTING_PROFILES_PATH`` (the overlay the gateway reads
beside its shipped profiles), else the shipped ``profiles.json``. The gateway re-reads
either file when it changes, so the next request can route to the model.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import math
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gateway.semantic_routing._assign import hard_assign
from gateway.semantic_routing._bundle import ARTIFACTS_DIR, ModelProfile
from gateway.semantic_routing._subclusters import Refinement
from gateway.semantic_routing.uniroute import UniRouter
from tools.semantic_routing._artifacts import profiles_document, write_json, write_subclusters
from tools.semantic_routing._dataset import (
    PROFILE_FRACTIONS,
    SPLIT_SEED,
    RouterBenchData,
    holdout_split_path,
    load_csv,
    stratified_split,
)
from tools.semantic_routing._embeddings import embed_texts
from tools.semantic_routing._fit import cluster_error
from tools.semantic_routing._refine import count_in_refinement
from tools.semantic_routing._refine_select import KMEANS_SEED, select_and_fit
from tools.semantic_routing.grading import grade_task
from tools.semantic_routing.validation_set import VALIDATION_SET, Item, from_csv, load

SOURCE = "profiled through the gateway"
MAX_TOKENS = 64
#: Below this many graded prompts a cluster's error is mostly the prior (the overall error).
THIN_CLUSTER = 20


@dataclass(frozen=True)
class Outcome:
    row: int
    correct: bool | None  # None: the request failed
    cost_usd: float | None
    error: str | None = None


def select_items(items: Sequence[Item], limit: int | None, seed: int = 0) -> list[Item]:
    """All items, or ``limit`` of them from a seeded shuffle so a small run still mixes tasks."""
    if limit is None:
        return list(items)
    chosen = sorted(items, key=lambda it: it.sample_id)
    random.Random(seed).shuffle(chosen)
    picked = {it.sample_id for it in chosen[:limit]}
    return [it for it in items if it.sample_id in picked]


def ask(client: httpx.Client, model: str, item: Item, row: int) -> Outcome:
    """One chat completion, graded; transport and HTTP failures are returned, not raised."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": item.prompt}],
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
    correct = grade_task(item.eval_name, answer, item.gold)
    return Outcome(row, bool(correct), float(cost) if isinstance(cost, int | float) else None)


def run(client: httpx.Client, model: str, items: Sequence[Item], concurrency: int) -> list[Outcome]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(ask, client, model, it, i) for i, it in enumerate(items)]
        return sorted((f.result() for f in futures), key=lambda o: o.row)


def build_profile(
    router: UniRouter,
    model: str,
    items: Sequence[Item],
    outcomes: Sequence[Outcome],
    mean_cost_usd: float | None,
    date: str,
    cache_dir: Path | None = None,
) -> tuple[ModelProfile, list[int]]:
    """Per-cluster error over the graded outcomes (shipped centroids and prior; per
    sub-cluster too where they land in a refined cluster), and the number of graded prompts
    in each cluster."""
    import numpy as np

    graded = [o for o in outcomes if o.correct is not None]
    if not graded:
        raise SystemExit("no answer could be graded: nothing to profile")
    costs = [o.cost_usd for o in outcomes if o.cost_usd is not None]
    if mean_cost_usd is None:
        if not costs:
            raise SystemExit("the gateway reported no usage.total_cost_usd; pass --mean-cost-usd")
        mean_cost_usd = float(np.mean(costs))
    x = embed_texts(router.config.embedding, [items[o.row].prompt for o in graded], cache_dir)
    labels = hard_assign(x, router.centroids)
    correct = np.asarray([[1.0 if o.correct else 0.0] for o in graded])
    k = router.config.num_clusters
    psi = cluster_error(labels, correct, k, router.config.profile_prior_strength)
    sub = count_in_refinement(router.refinement, x, labels, correct, psi)
    counts = np.bincount(labels, minlength=k).tolist()
    profile = ModelProfile(
        model,
        tuple(float(e) for e in psi[0]),
        mean_cost_usd,
        SOURCE,
        len(graded),
        date,
        {p: tuple(float(e) for e in errors[0]) for p, errors in sub.items()},
    )
    return profile, [int(c) for c in counts]


def confidence(profile: ModelProfile, counts: Sequence[int], prior: float) -> list[dict[str, Any]]:
    """Per cluster: graded prompts, error, a standard error, and whether it leans on the prior.

    The standard error is that of a proportion over the prompts plus the prior's pseudo-
    counts, ``sqrt(e (1 - e) / (n + a))``; a cluster with no graded prompt is the model's
    overall error and says nothing cluster-specific.
    """
    out = []
    for k, (e, n) in enumerate(zip(profile.cluster_error, counts, strict=True)):
        se = math.sqrt(e * (1 - e) / (n + prior)) if n + prior > 0 else None
        out.append(
            {
                "cluster": k,
                "graded": n,
                "error": round(e, 4),
                "std_error": None if se is None else round(se, 4),
                "leans_on_prior": n < THIN_CLUSTER,
            }
        )
    return out


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of an accuracy."""
    if n == 0:
        return (0.0, 1.0)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def write_profiles(
    path: Path, router: UniRouter, profiles: Sequence[ModelProfile], refinement: Refinement | None = None
) -> list[str]:
    """Add or replace entries in a profiles.json; a missing file (an overlay) is created
    for the router's centroids. Sub-cluster errors belong to ``refinement`` (default: the
    router's); entries counted under another one lose theirs (they fall back to their
    cluster's error) and are returned by name."""
    refinement = router.refinement if refinement is None else refinement
    if path.is_file():
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("centroids_sha256") != router.centroids_sha256:
            raise SystemExit(f"{path} was counted against other centroids; refusing to mix them")
    else:
        document = profiles_document(router.centroids, router.config.embedding, [])
    models: dict[str, Any] = document["models"]
    stale = []
    if document.get("subclusters_sha256", "") != refinement.digest:
        for name, entry in models.items():
            if entry.pop("subcluster_error", None) is not None:
                stale.append(name)
    for p in profiles:
        if len(p.cluster_error) != document["num_clusters"]:
            raise ValueError(
                f"profile has {len(p.cluster_error)} clusters, {path} has {document['num_clusters']}"
            )
        models[p.model] = p.to_json()
    refined = any("subcluster_error" in e for e in models.values())
    head = {k: v for k, v in document.items() if k not in ("subclusters_sha256", "models")}
    document = {
        **head,
        **({"subclusters_sha256": refinement.digest} if refined else {}),
        "models": dict(sorted(models.items())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, document)
    return sorted(set(stale) - {p.model for p in profiles})


def default_out(artifacts: Path) -> Path:
    from gateway.settings import get_settings

    overlay = get_settings().routing.profiles_path
    return Path(overlay) if overlay else artifacts / "profiles.json"


def _items(data: Path | None, artifacts: Path) -> list[Item]:
    if data is None:
        return load(VALIDATION_SET)
    if data.suffix == ".jsonl":
        return load(data)
    split_path = artifacts / "split.json"
    return from_csv(data, json.loads(split_path.read_text()) if split_path.is_file() else None)


def _summary(report: dict[str, Any]) -> str:
    acc, (low, high) = report["accuracy"], report["accuracy_95"]
    mean = report["profile"]["mean_cost_usd"]
    lines = [
        (
            f"profiled {report['model']}: {report['correct']}/{report['graded']} correct "
            f"(accuracy {acc:.3f}, 95% interval {low:.3f}-{high:.3f})"
        ),
        (
            f"cost of this run: ${report['spent_usd']:.6f} over {report['sent']} requests "
            f"(mean ${mean:.7f} per request, the profile's cost)"
        ),
        f"failed requests: {report['failed_requests']}",
    ]
    for c in report["clusters"]:
        note = "  <- few prompts: mostly the model's overall error" if c["leans_on_prior"] else ""
        spread = "" if c["std_error"] is None else f" +- {c['std_error']:.3f}"
        lines.append(
            f"  cluster {c['cluster']}: {c['graded']:4d} graded, error {c['error']:.3f}{spread}{note}"
        )
    if "written_to" in report:
        lines.append(f"written to {report['written_to']}; the gateway routes to it from its next request")
    return "\n".join(lines)


def live(args: argparse.Namespace, transport: httpx.BaseTransport | None) -> dict[str, Any]:
    router = UniRouter.load(args.artifacts)
    items = select_items(_items(args.data, args.artifacts), args.limit)
    if not items:
        raise SystemExit("the validation set has no gradable prompt")
    api_key = args.api_key or os.environ.get("GATEWAY_API_KEY")
    if not api_key:
        raise SystemExit("pass --api-key or set GATEWAY_API_KEY")
    headers = {"Authorization": f"Bearer {api_key}"}
    base_url = args.base_url.rstrip("/") + "/"
    with httpx.Client(
        base_url=base_url, headers=headers, timeout=args.timeout, transport=transport
    ) as client:
        outcomes = run(client, args.model, items, max(1, args.concurrency))
    profile, counts = build_profile(router, args.model, items, outcomes, args.mean_cost_usd, args.date)
    failed = [o for o in outcomes if o.correct is None]
    correct = sum(1 for o in outcomes if o.correct)
    report: dict[str, Any] = {
        "model": args.model,
        "sent": len(items),
        "graded": profile.validation_size,
        "correct": correct,
        "accuracy": round(correct / profile.validation_size, 4),
        "accuracy_95": [round(v, 4) for v in wilson(correct, profile.validation_size)],
        "spent_usd": round(sum(o.cost_usd or 0.0 for o in outcomes), 8),
        "failed_requests": len(failed),
        "first_failures": [o.error for o in failed[:3]],
        "clusters": confidence(profile, counts, router.config.profile_prior_strength),
        "profile": profile.to_json(),
    }
    if not args.dry_run:
        out = args.out or default_out(args.artifacts)
        write_profiles(out, router, [profile])
        report["written_to"] = str(out)
    return report


def offline(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    router = UniRouter.load(args.artifacts)
    data = load_csv(args.from_csv)
    models = args.model or list(data.models)
    missing = [m for m in models if m not in data.models]
    if missing:
        raise SystemExit(f"{args.from_csv} has no columns for {missing}")
    rows, split_note = _profile_rows(data, args.from_csv, args.artifacts, write=not args.dry_run)
    fit: RouterBenchData = data.subset(rows).select_models(models)
    x = embed_texts(router.config.embedding, fit.prompts, args.cache_dir)
    labels = hard_assign(x, router.centroids)
    k, prior = router.config.num_clusters, router.config.profile_prior_strength
    errors = cluster_error(labels, fit.correct, k, prior)
    counts = np.bincount(labels, minlength=k).tolist()
    out = args.out or default_out(args.artifacts)
    # The sub-clusters ship beside the shipped profiles and are refitted only with them: a
    # profile written to an overlay is counted under the refinement the gateway already has.
    refit = out.resolve() == (args.artifacts / "profiles.json").resolve()
    refinement, selection = router.refinement, None
    if refit:
        others = [p.mean_cost_usd for name, p in router.profiles.items() if name not in models]
        refined, selection = select_and_fit(router, fit, x, max(others, default=0.0))
        refinement, sub = refined.refinement, refined.errors
    else:
        sub = count_in_refinement(refinement, x, labels, fit.correct, errors)
    source = f"{Path(args.from_csv).name} {split_note}"
    profiles = [
        ModelProfile(
            m,
            tuple(float(e) for e in errors[j]),
            float(fit.cost_usd[:, j].mean()),
            source,
            len(fit),
            args.date,
            {p: tuple(float(e) for e in cells[j]) for p, cells in sub.items()},
        )
        for j, m in enumerate(models)
    ]
    report: dict[str, Any] = {
        "from_csv": str(args.from_csv),
        "rows_profiled": len(fit),
        "split": split_note,
        "graded_per_cluster": counts,
        "subclusters": {str(p): n for p, n in refinement.sizes.items()},
        "models": {
            p.model: {
                "accuracy": round(float(fit.correct[:, j].mean()), 4),
                "clusters": confidence(p, counts, prior),
                "profile": p.to_json(),
            }
            for j, p in enumerate(profiles)
        },
    }
    if selection is not None:
        report["refinement"] = selection
    if not args.dry_run:
        if refit:
            fitted = {"from": source, "rows": len(fit), "date": args.date, "kmeans_seed": KMEANS_SEED}
            write_subclusters(args.artifacts, refinement, router.centroids, fitted)
        report["subcluster_errors_dropped"] = write_profiles(out, router, profiles, refinement)
        report["written_to"] = str(out)
    return report


def _profile_rows(
    data: RouterBenchData, csv_path: Path, artifacts: Path, *, write: bool
) -> tuple[list[int], str]:
    """The rows profiles are counted on: the training CSV's validation split, else the
    ``profile`` part of this CSV's saved (or new, seeded) profile/test split."""
    index = {sid: i for i, sid in enumerate(data.sample_ids)}
    train_split = artifacts / "split.json"
    if train_split.is_file():
        val = json.loads(train_split.read_text()).get("validation") or []
        if val and all(s in index for s in val):
            return [index[s] for s in val], "validation split of the clusters' training run"
    path = holdout_split_path(artifacts, csv_path)
    if path.is_file():
        saved = json.loads(path.read_text())
        rows = [index[s] for s in saved["profile"] if s in index]
        return rows, f"profile split ({len(rows)} of {len(data)} rows; the rest held out)"
    parts = stratified_split(data.sample_ids, data.eval_names, PROFILE_FRACTIONS, seed=SPLIT_SEED)
    if write:
        write_json(
            path,
            {
                "schema_version": 1,
                "seed": SPLIT_SEED,
                "fractions": PROFILE_FRACTIONS,
                **{name: [data.sample_ids[i] for i in rows] for name, rows in parts.items()},
            },
        )
    rows = parts["profile"]
    return rows, f"profile split ({len(rows)} of {len(data)} rows; the rest held out)"


def main(argv: Sequence[str] | None = None, transport: httpx.BaseTransport | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", action="append", help="catalog model id (offline: repeatable; default all columns)"
    )
    parser.add_argument(
        "--from-csv", type=Path, help="offline: a RouterBench-format CSV of recorded outcomes"
    )
    parser.add_argument("--data", type=Path, help="live: validation set (.jsonl) or a RouterBench-format CSV")
    parser.add_argument("--base-url", help="live: the gateway, e.g. http://127.0.0.1:3000/v1")
    parser.add_argument("--api-key", help="live: a gateway key (default: $GATEWAY_API_KEY)")
    parser.add_argument("--limit", type=int, help="live: profile on at most N prompts")
    parser.add_argument(
        "--mean-cost-usd", type=float, help="live: cost per request if the gateway reports none"
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR)
    parser.add_argument(
        "--out",
        type=Path,
        help="profiles file to write (default: $ROUTING_PROFILES_PATH, else the shipped one)",
    )
    parser.add_argument("--cache-dir", type=Path, help="offline: cache prompt embeddings here (.npy)")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    parser.add_argument("--dry-run", action="store_true", help="print the profile; do not write it")
    args = parser.parse_args(argv)

    if args.from_csv is not None:
        report = offline(args)
    else:
        if not args.model or len(args.model) != 1 or not args.base_url:
            parser.error(
                "live profiling needs one --model and --base-url (or --from-csv for the offline path)"
            )
        args.model = args.model[0]
        report = live(args, transport)
        print(_summary(report), file=sys.stderr)
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

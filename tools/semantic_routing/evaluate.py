"""Evaluate the shipped router against baselines on a RouterBench-format CSV.

    python -m tools.semantic_routing.evaluate --data <csv> [--artifacts DIR] [--cache-dir DIR]

Prints JSON. Rows: if the CSV holds every sample_id of the training run's held-out test
split (``data/split.json``), only those rows are scored (the shipped CSV); likewise for a
CSV profiled offline (``profile --from-csv``), whose profile/test split is saved as
``data/split.<csv stem>.json``: only its test rows are scored, and the K-NN baseline learns
from its profile rows. Otherwise all rows, and any overlap with the rows the router
learned from is reported. Models: those with
both CSV columns and a shipped profile; the others are listed and left out of every
router, baselines included, so all curves share one model pool and one cost range.

Routers (curve definitions in tools.semantic_routing._curves):
- ``uniroute``: the shipped artifacts, normalised costs as served (profile mean cost over
  the most expensive profiled model), cost_weight swept from 0 to 1e4.
- ``zero``: the best mixes of single models (upper hull of their points).
- ``random``: uniform choice among the j cheapest models, j = 1..M.
- ``knn``: K-NN on the same embeddings; trained on the training split's rows for the
  shipped CSV, 5-fold cross-fitted on the scored rows otherwise; k picked by inner CV.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.semantic_routing._bundle import ARTIFACTS_DIR
from gateway.semantic_routing.uniroute import UniRouter
from tools.semantic_routing._curves import (
    CurveSummary,
    default_cost_weights,
    random_router_points,
    router_points,
    single_model_points,
    summarize,
)
from tools.semantic_routing._dataset import RouterBenchData, load_csv, stratified_split
from tools.semantic_routing._embeddings import embed_texts
from tools.semantic_routing._knn import choose_k, knn_predicted_error

if TYPE_CHECKING:
    import numpy as np


def uniroute_predicted_error(router: UniRouter, x: np.ndarray, models: Sequence[str]) -> np.ndarray:
    """``(n, M)`` predicted errors: the same cluster weights, sub-cluster weights and profiles
    route_embedding uses."""
    return router.batch_predicted_error(x, models)


def _folds(data: RouterBenchData, n: int = 5) -> list[list[int]]:
    parts = stratified_split(data.sample_ids, data.eval_names, {f"f{i}": 1.0 / n for i in range(n)})
    return [parts[f"f{i}"] for i in range(n)]


def knn_predictions(
    x_eval: np.ndarray,
    eval_data: RouterBenchData,
    x_train: np.ndarray | None,
    train_data: RouterBenchData | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Predicted errors for the scored rows, the normalised costs used, and the k chosen."""
    import numpy as np

    if x_train is not None and train_data is not None:
        k = choose_k(x_train, train_data.correct, train_data.cost_usd, _folds(train_data))
        cost = train_data.cost_usd.mean(0)
        return knn_predicted_error(x_eval, x_train, train_data.correct, k), cost / cost.max(), k
    folds = _folds(eval_data)
    k = choose_k(x_eval, eval_data.correct, eval_data.cost_usd, folds)
    pred = np.zeros_like(eval_data.correct)
    for fold in folds:
        rest = np.setdiff1d(np.arange(len(eval_data)), fold)
        pred[fold] = knn_predicted_error(x_eval[fold], x_eval[rest], eval_data.correct[rest], k)
    cost = eval_data.cost_usd.mean(0)
    return pred, cost / cost.max(), k


def _summary(s: CurveSummary) -> dict[str, Any]:
    return {
        "area": round(s.area, 4),
        "qnc": None if s.qnc is None else round(s.qnc, 4),
        "max_quality": round(max(q for _, q in s.hull), 4),
        "hull": [[round(c, 7), round(q, 4)] for c, q in s.hull],
    }


def evaluate(
    data: RouterBenchData, router: UniRouter, split: dict[str, Any], cache_dir: Path | None
) -> dict[str, Any]:
    import numpy as np

    models = [m for m in data.models if m in router.profiles]
    unprofiled = [m for m in data.models if m not in router.profiles]
    if len(models) < 2:
        raise SystemExit(f"need >= 2 models with both CSV columns and a profile; have {models}")
    data = data.select_models(models)
    index = {sid: i for i, sid in enumerate(data.sample_ids)}
    test_ids = split.get("test", [])
    heldout = bool(test_ids) and all(sid in index for sid in test_ids)
    learned = split.get("train") or split.get("profile") or []
    if heldout:
        scored = data.subset([index[s] for s in test_ids])
        train = data.subset([index[s] for s in learned if s in index])
        rows_note = (
            f"held-out test split: {len(scored)} rows (sample_ids in data/{split.get('_file', 'split.json')})"
        )
    else:
        scored, train = data, None
        rows_note = f"all {len(scored)} rows (no held-out split of this CSV is known)"
    seen = set(split.get("train", [])) | set(split.get("validation", [])) | set(split.get("profile", []))

    x = embed_texts(router.config.embedding, scored.prompts, cache_dir)
    max_cost = max(p.mean_cost_usd for p in router.profiles.values())
    ncost = np.asarray([router.profiles[m].mean_cost_usd / max_cost for m in models])
    weights = default_cost_weights()
    singles = single_model_points(scored.correct, scored.cost_usd)
    uni = router_points(
        uniroute_predicted_error(router, x, models), ncost, scored.correct, scored.cost_usd, weights
    )
    x_train = embed_texts(router.config.embedding, train.prompts, cache_dir) if train is not None else None
    knn_pred, knn_cost, k = knn_predictions(x, scored, x_train, train)
    knn = router_points(knn_pred, knn_cost, scored.correct, scored.cost_usd, weights)

    results = {
        "uniroute": summarize(uni, singles),
        "zero": summarize(singles, singles),
        "random": summarize(random_router_points(scored.correct, scored.cost_usd), singles),
        "knn": summarize(knn, singles),
    }
    best = max(range(len(models)), key=lambda j: singles[j][1])
    return {
        "rows": rows_note,
        "rows_also_used_in_training": sum(sid in seen for sid in scored.sample_ids),
        "models": models,
        "models_without_profile": unprofiled,
        "embedding": router.config.embedding,
        "router": {
            "assignment": router.config.assignment,
            "num_clusters": router.config.num_clusters,
            "temperature": router.config.temperature,
            "subclusters": {str(p): n for p, n in router.refinement.sizes.items()},
            "subcluster_temperature": {str(p): t for p, t in router.refinement.temperature.items()},
            "subcluster_prior_strength": router.refinement.prior_strength,
        },
        "cost_range_usd": [min(c for c, _ in singles), max(c for c, _ in singles)],
        "best_single_model": {
            "model": models[best],
            "quality": round(singles[best][1], 4),
            "mean_cost_usd": singles[best][0],
        },
        "knn_k": k,
        "routers": {name: _summary(s) for name, s in results.items()},
        "uniroute_beats_zero": results["uniroute"].area > results["zero"].area,
        "definitions": {
            "area": "mean over cost in [cheapest, priciest single model's mean cost] of the router's "
            "non-decreasing upper convex hull of (mean cost, mean quality) points; 0 below its cheapest point",
            "qnc": "smallest hull cost reaching the best single model's quality, over the priciest "
            "single model's mean cost; null if never reached",
        },
    }


def find_split(artifacts: Path, data: RouterBenchData) -> dict[str, Any]:
    """The saved split whose test rows this CSV holds: the training run's ``split.json``,
    else an offline profile's ``split.<stem>.json``; ``{}`` when none fits."""
    ids = set(data.sample_ids)
    for path in [artifacts / "split.json", *sorted(artifacts.glob("split.*.json"))]:
        if not path.is_file():
            continue
        split: dict[str, Any] = json.loads(path.read_text())
        test = split.get("test") or []
        if test and ids.issuperset(test):
            return {**split, "_file": path.name}
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="RouterBench-format CSV")
    parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR)
    parser.add_argument("--cache-dir", type=Path, help="cache prompt embeddings here (.npy)")
    args = parser.parse_args(argv)
    router = UniRouter.load(args.artifacts)
    data = load_csv(args.data)
    report = {
        "data": str(args.data),
        **evaluate(data, router, find_split(args.artifacts, data), args.cache_dir),
    }
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build the shipped routing artifacts from a RouterBench-format CSV.

    python -m tools.semantic_routing.train --data routerbench_0shot_train.csv [--dry-run]

1. Split the rows 60/20/20 into train / validation / test, stratified by eval_name and
   seeded (tools.semantic_routing._dataset); test is never looked at here.
2. Embed every prompt with the runtime embedder (``--embedding``).
3. Model selection by rotation cross-validation over train+validation: five stratified
   folds; in rotation r fold r is scored, fold r+1 plays validation and the other three
   play train, and the full pipeline (_pipeline.fit_router) is fit on them. A single
   441-row validation split moves the area by about +-0.01 between neighbouring K, which
   is as large as the differences being chosen between; five rotations score 1,764 rows.
   Every (K, variant) gets its mean area under the deferral curve, and the one-standard-
   error rule picks among them (see choose()).
4. The winner is refit on the real split (K-means on train, temperature / learned map on
   validation, profiles on validation) and written to ``--out`` unless ``--dry-run``.

Prints a JSON report: the sweep, the choice, and the validation-split area of the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.semantic_routing._bundle import ARTIFACTS_DIR, SCHEMA_VERSION, ModelProfile
from gateway.semantic_routing.embed import EmbeddingSpec
from tools.semantic_routing._artifacts import profiles_document, remove_subclusters, write_arrays, write_json
from tools.semantic_routing._curves import default_cost_weights, router_points, single_model_points, summarize
from tools.semantic_routing._dataset import (
    SPLIT_FRACTIONS,
    SPLIT_SEED,
    RouterBenchData,
    load_csv,
    stratified_split,
)
from tools.semantic_routing._embeddings import embed_texts
from tools.semantic_routing._pipeline import PRIOR_STRENGTH, VARIANTS, FittedRouter, fit_router
from tools.semantic_routing._select import N_FOLDS, one_standard_error, rotation_folds

if TYPE_CHECKING:
    import numpy as np

DEFAULT_EMBEDDING = "wordllama:128"
DEFAULT_KS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48)
KMEANS_SEED = 7
PROFILE_SOURCE = "routerbench_0shot_train.csv validation split"
SHIPPABLE = ("soft", "learned_map")


def area_of(router: FittedRouter, x: np.ndarray, data: RouterBenchData) -> float:
    points = router_points(
        router.predicted_error(x), router.normalized_cost, data.correct, data.cost_usd, default_cost_weights()
    )
    return summarize(points, single_model_points(data.correct, data.cost_usd)).area


def cross_validate(
    data: RouterBenchData, x: np.ndarray, pool: Sequence[int], ks: Sequence[int], variants: Sequence[str]
) -> list[dict[str, Any]]:
    """Mean and per-rotation deferral area of every (K, variant), plus the Zero router's."""
    import numpy as np

    folds = rotation_folds(data, pool)
    results: dict[tuple[int, str], list[float]] = {(k, v): [] for k in ks for v in variants}
    zero: list[float] = []
    for r in range(N_FOLDS):
        score, val = folds[r], folds[(r + 1) % N_FOLDS]
        train = sorted(i for j, f in enumerate(folds) if j not in (r, (r + 1) % N_FOLDS) for i in f)
        d_tr, d_val, d_score = data.subset(train), data.subset(val), data.subset(score)
        singles = single_model_points(d_score.correct, d_score.cost_usd)
        zero.append(summarize(singles, singles).area)
        for k in ks:
            for variant in variants:
                fitted = fit_router(
                    k,
                    variant,
                    x[train],
                    d_tr.correct,
                    x[val],
                    d_val.correct,
                    d_val.cost_usd,
                    seed=KMEANS_SEED,
                )
                results[(k, variant)].append(area_of(fitted, x[score], d_score))
    rows = [
        {"k": k, "variant": v, "cv_area": float(np.mean(a)), "cv_area_std": float(np.std(a)), "folds": a}
        for (k, v), a in results.items()
    ]
    rows.append({"k": None, "variant": "zero_router", "cv_area": float(np.mean(zero)), "folds": zero})
    return rows


def choose(sweep: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The one-standard-error rule (_select.one_standard_error) over the shippable variants
    (soft, learned_map).

    Simplest means soft before learned_map (K x d more parameters), then smaller K. ``hard``
    is reported but not a candidate of its own: it is the T = 0 point of soft's
    temperature fit, which picks it when validation says so.
    """
    rows = [r for r in sweep if r["k"] is not None and r["variant"] in SHIPPABLE]
    return one_standard_error(rows, lambda r: (SHIPPABLE.index(r["variant"]), r["k"]))


def build_artifacts(
    data: RouterBenchData,
    x: np.ndarray,
    split: dict[str, list[int]],
    fitted: FittedRouter,
    embedding: str,
    date: str,
) -> dict[str, Any]:
    """The documents and arrays to write, keyed by file name."""
    import numpy as np

    val = data.subset(split["validation"])
    profiles = [
        ModelProfile(
            m,
            tuple(float(e) for e in fitted.psi[j]),
            float(fitted.mean_cost_usd[j]),
            PROFILE_SOURCE,
            len(val),
            date,
        )
        for j, m in enumerate(data.models)
    ]
    # Tier cut points: terciles of predicted difficulty (mean error of all profiled models)
    # over the validation prompts; see gateway.semantic_routing.tiers.
    difficulty = fitted.cluster_weights(x[split["validation"]]) @ fitted.psi.mean(0)
    thresholds = [float(np.quantile(difficulty, 1 / 3)), float(np.quantile(difficulty, 2 / 3))]
    arrays = {"centroids": fitted.centroids}
    if fitted.map_weight is not None and fitted.map_bias is not None:
        arrays |= {"map_weight": fitted.map_weight, "map_bias": fitted.map_bias}
    config = {
        "schema_version": SCHEMA_VERSION,
        "embedding": embedding,
        "num_clusters": int(fitted.centroids.shape[0]),
        "assignment": "learned_map" if fitted.variant == "learned_map" else "soft",
        "temperature": fitted.temperature,
        "profile_prior_strength": PRIOR_STRENGTH,
        "tiers": {"thresholds": thresholds, "reference_models": list(data.models)},
        "trained": {
            "date": date,
            "train_size": len(split["train"]),
            "validation_size": len(val),
            "kmeans_seed": KMEANS_SEED,
            "variant": fitted.variant,
        },
    }
    split_doc = {
        "schema_version": SCHEMA_VERSION,
        "seed": SPLIT_SEED,
        "fractions": SPLIT_FRACTIONS,
        **{name: [data.sample_ids[i] for i in rows] for name, rows in split.items()},
    }
    return {
        "router.json": config,
        "router.npz": arrays,
        "profiles.json": profiles_document(fitted.centroids, embedding, profiles),
        "split.json": split_doc,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="RouterBench-format CSV")
    parser.add_argument(
        "--embedding", default=DEFAULT_EMBEDDING, help="backend:max_tokens, e.g. wordllama:128"
    )
    parser.add_argument(
        "--k", default=",".join(map(str, DEFAULT_KS)), help="comma-separated K values to sweep"
    )
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", type=Path, default=ARTIFACTS_DIR)
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="date stamped on the profiles")
    parser.add_argument("--cache-dir", type=Path, help="cache prompt embeddings here (.npy)")
    parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    args = parser.parse_args(argv)

    embedding = str(EmbeddingSpec.parse(args.embedding))
    ks = [int(k) for k in args.k.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    data = load_csv(args.data)
    split = stratified_split(data.sample_ids, data.eval_names)
    x = embed_texts(embedding, data.prompts, args.cache_dir)

    sweep = cross_validate(data, x, split["train"] + split["validation"], ks, variants)
    best = choose(sweep)
    d_tr, d_val = data.subset(split["train"]), data.subset(split["validation"])
    fitted = fit_router(
        best["k"],
        best["variant"],
        x[split["train"]],
        d_tr.correct,
        x[split["validation"]],
        d_val.correct,
        d_val.cost_usd,
        seed=KMEANS_SEED,
    )
    report = {
        "data": str(args.data),
        "embedding": embedding,
        "split_sizes": {k: len(v) for k, v in split.items()},
        "selection": "deferral-curve area over 5 rotations of train+validation; "
        "simplest configuration within one standard error of the best",
        "sweep": sorted(sweep, key=lambda r: -r["cv_area"]),
        "best_mean": max((r for r in sweep if r["variant"] in SHIPPABLE), key=lambda r: r["cv_area"]),
        "chosen": {
            "k": best["k"],
            "variant": best["variant"],
            "temperature": fitted.temperature,
            "cv_area": best["cv_area"],
        },
    }
    if not args.dry_run:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, content in build_artifacts(data, x, split, fitted, embedding, args.date).items():
            (write_arrays if name.endswith(".npz") else write_json)(args.out / name, content)
        # Sub-clusters were fitted under the previous centroids and counted with the previous
        # profiles; `profile --from-csv` refits them after this (make train-router).
        remove_subclusters(args.out)
        report["written_to"] = str(args.out)
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Choose a refinement from the profile rows alone: how many sub-clusters under each densely
covered parent, and the pseudo-count m of the prior toward the parent's error.

Rotation cross-validation over the profile rows (five stratified folds): in rotation r the
other four folds play the profile set (parent errors, sub-centroids, temperature and
sub-cluster errors all refitted on them) and fold r is routed, with the top level exactly
as shipped and costs normalised as served. Each configuration gets its mean area under the
deferral curve, and the one-standard-error rule ships the simplest one within one standard
error of the best: fewer sub-clusters first (1 is the unrefined router), then the stronger
prior (closer to the parent). The held-out rows of the CSV are never read here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.semantic_routing._assign import hard_assign
from gateway.semantic_routing._subclusters import refined_error
from tools.semantic_routing._curves import default_cost_weights, router_points, single_model_points, summarize
from tools.semantic_routing._fit import cluster_error
from tools.semantic_routing._refine import RefinedProfiles, refine
from tools.semantic_routing._select import N_FOLDS, one_standard_error, rotation_folds

if TYPE_CHECKING:
    import numpy as np

    from gateway.semantic_routing.uniroute import UniRouter
    from tools.semantic_routing._dataset import RouterBenchData

SUBCLUSTER_CHOICES = (1, 2, 3, 4, 6, 8)
PRIOR_CHOICES = (0.0, 5.0, 10.0, 20.0, 40.0)
#: A parent is refined only when the profile set puts at least this many rows in it: in a
#: rotation four fifths of them remain, about 30 to split, at two sub-clusters 15 per cell.
MIN_PARENT_ROWS = 40
KMEANS_SEED = 7
#: Areas are compared to 4 decimals, the precision they are reported with (see choose()).
AREA_DECIMALS = 4


def dense_parents(labels: np.ndarray, num_clusters: int) -> list[int]:
    return [p for p in range(num_clusters) if int((labels == p).sum()) >= MIN_PARENT_ROWS]


def served_error(router: UniRouter, x: np.ndarray, psi: np.ndarray, refined: RefinedProfiles) -> np.ndarray:
    """``(n, M)``: the shipped top-level weights, the refinement's sub-weights, as served."""
    import numpy as np

    x32 = np.asarray(x, dtype=np.float32)
    sub_errors = {p: dict(enumerate(e)) for p, e in refined.errors.items()}
    return refined_error(router.batch_cluster_weights(x32), psi, refined.refinement.weights(x32), sub_errors)


def _configs() -> list[tuple[int, float]]:
    # One sub-cluster is the unrefined router whatever m is: scored once.
    return [(1, 0.0), *((s, m) for s in SUBCLUSTER_CHOICES if s > 1 for m in PRIOR_CHOICES)]


def cross_validate(
    router: UniRouter, data: RouterBenchData, x: np.ndarray, other_max_cost: float
) -> list[dict[str, Any]]:
    """Per configuration the mean and per-rotation deferral area over the profile rows
    (``data``, ``x``); ``other_max_cost`` is the costliest profile not being refitted."""
    import numpy as np

    k, prior = router.config.num_clusters, router.config.profile_prior_strength
    labels = hard_assign(x, router.centroids)
    parents = dense_parents(labels, k)
    folds = rotation_folds(data, list(range(len(data))))
    areas: dict[tuple[int, float], list[float]] = {c: [] for c in _configs()}
    zero: list[float] = []
    for r in range(N_FOLDS):
        score = np.asarray(folds[r])
        fit = np.asarray(sorted(i for j, f in enumerate(folds) if j != r for i in f))
        psi = cluster_error(labels[fit], data.correct[fit], k, prior)
        cost = data.cost_usd[fit].mean(0)
        ncost = cost / max(other_max_cost, float(cost.max()))
        singles = single_model_points(data.correct[score], data.cost_usd[score])
        zero.append(summarize(singles, singles).area)
        for s, m in areas:
            fit_parents = [p for p in parents if (labels[fit] == p).sum() >= s]
            refined = refine(x[fit], labels[fit], data.correct[fit], psi, fit_parents, s, m, seed=KMEANS_SEED)
            pred = served_error(router, x[score], psi, refined)
            points = router_points(
                pred, ncost, data.correct[score], data.cost_usd[score], default_cost_weights()
            )
            areas[(s, m)].append(summarize(points, singles).area)
    rows: list[dict[str, Any]] = [
        {
            "subclusters": s,
            "prior_strength": None if s == 1 else m,
            "cv_area": float(np.mean(a)),
            "folds": a,
        }
        for (s, m), a in areas.items()
    ]
    return [
        *rows,
        {"subclusters": None, "prior_strength": None, "cv_area": float(np.mean(zero)), "folds": zero},
    ]


def choose(sweep: list[dict[str, Any]]) -> dict[str, Any]:
    """One standard error toward fewer sub-clusters, then toward the stronger prior (the
    Zero router's row, ``subclusters`` None, is reported, not a candidate).

    Areas are compared to AREA_DECIMALS places. On a fold of about 40 rows one answer moves the
    area by about 0.024; below 1e-4 two configurations differ only in the cost of their
    cheapest operating point (a few sub-micro-dollar shifts), yet such shifts, consistent in
    sign, have a paired standard error as tiny as themselves and would decide the rule.
    """
    rows = [
        {**r, "folds": [round(a, AREA_DECIMALS) for a in r["folds"]]}
        for r in sweep
        if r["subclusters"] is not None
    ]
    picked = one_standard_error(rows, lambda r: (r["subclusters"], -(r["prior_strength"] or 0.0)))
    return next(
        r
        for r in sweep
        if r["subclusters"] == picked["subclusters"] and r["prior_strength"] == picked["prior_strength"]
    )


def paired_standard_error(a: list[float], b: list[float]) -> tuple[float, float]:
    """Mean and standard error of the per-rotation difference ``a - b``."""
    import numpy as np

    diff = np.asarray(a) - np.asarray(b)
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))


def select_and_fit(
    router: UniRouter, data: RouterBenchData, x: np.ndarray, other_max_cost: float
) -> tuple[RefinedProfiles, dict[str, Any]]:
    """The chosen refinement fitted on every profile row, and the report that chose it."""
    k, prior = router.config.num_clusters, router.config.profile_prior_strength
    labels = hard_assign(x, router.centroids)
    parents = dense_parents(labels, k)
    sweep = cross_validate(router, data, x, other_max_cost) if parents else []
    chosen: dict[str, Any] = choose(sweep) if sweep else {"subclusters": 1, "prior_strength": None}
    s, m = int(chosen["subclusters"]), float(chosen["prior_strength"] or 0.0)
    psi = cluster_error(labels, data.correct, k, prior)
    refined = refine(x, labels, data.correct, psi, parents, s, m, seed=KMEANS_SEED)
    unrefined = next((r for r in sweep if r["subclusters"] == 1), None)

    def versus_unrefined(row: dict[str, Any]) -> dict[str, float] | None:
        if unrefined is None:
            return None
        mean, se = paired_standard_error(row["folds"], unrefined["folds"])
        return {"mean": round(mean, 4), "std_error": round(se, 4)}

    report: dict[str, Any] = {
        "selection": f"deferral-curve area over {N_FOLDS} rotations of the profile rows; "
        "fewest sub-clusters, then strongest prior, within one standard error of the best",
        "dense_parents": {str(p): int((labels == p).sum()) for p in parents},
        "sweep": [
            {**r, "cv_area": round(r["cv_area"], 4), "vs_unrefined": versus_unrefined(r)} for r in sweep
        ],
        "chosen": {"subclusters": s, "prior_strength": chosen["prior_strength"]},
        "temperature": {str(p): t for p, t in refined.refinement.temperature.items()},
    }
    return refined, report

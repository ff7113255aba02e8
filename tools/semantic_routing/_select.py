"""Model selection shared by the cluster training and the sub-cluster refinement: the
rotation folds and the one-standard-error rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tools.semantic_routing._dataset import SPLIT_SEED, RouterBenchData, stratified_split

N_FOLDS = 5


def rotation_folds(data: RouterBenchData, rows: Sequence[int], n: int = N_FOLDS) -> list[list[int]]:
    """``rows`` in ``n`` folds stratified by eval_name, seeded apart from the split itself."""
    shares = {f"f{i}": 1.0 / n for i in range(n)}
    pool = data.subset(rows)
    parts = stratified_split(pool.sample_ids, pool.eval_names, shares, seed=SPLIT_SEED + 1)
    return [[rows[i] for i in parts[f"f{i}"]] for i in range(n)]


def one_standard_error(
    rows: Sequence[dict[str, Any]], simplicity: Callable[[dict[str, Any]], Any]
) -> dict[str, Any]:
    """The simplest row (lowest ``simplicity`` key) whose mean ``cv_area`` is within one
    standard error of the best's, the error being that of the paired per-rotation
    difference (``folds``: one area per rotation, same rotations for every row).

    With many configurations scored on few rows the top mean is partly selection noise; the
    rule ships a configuration whose lead over a simpler one was measured, not a lucky peak.
    """
    import numpy as np

    top = max(rows, key=lambda r: r["cv_area"])
    for r in sorted(rows, key=simplicity):
        diff = np.asarray(top["folds"]) - np.asarray(r["folds"])
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        # When the two differ on one rotation only, mean and standard error are equal in
        # exact arithmetic; "within" includes that, and rounding must not decide it.
        if diff.mean() <= se + 1e-9:
            return r
    return top

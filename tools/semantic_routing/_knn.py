"""K-NN router baseline: a prompt's predicted error for model m is m's error rate on the
k most similar labelled prompts (cosine similarity of the same embeddings UniRoute uses).

Unlike UniRoute it needs every model's labels on the same prompts, so it cannot take a
model that was only profiled later; it is here as the strong fixed-pool baseline that
"Rethinking Predictive LLM Routing" (arXiv 2505.12601) reports kNN to be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tools.semantic_routing._curves import default_cost_weights, router_points, single_model_points, summarize

if TYPE_CHECKING:
    import numpy as np

K_CHOICES = (5, 10, 20, 40, 80)


def knn_predicted_error(
    x_query: np.ndarray, x_train: np.ndarray, correct_train: np.ndarray, k: int
) -> np.ndarray:
    """``(n_query, M)`` mean error of the k nearest training prompts; ties by row order."""
    import numpy as np

    k = min(k, len(x_train))
    sims = x_query @ x_train.T
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return 1.0 - correct_train[nearest].mean(axis=1)


def choose_k(
    x: np.ndarray,
    correct: np.ndarray,
    cost_usd: np.ndarray,
    folds: Sequence[Sequence[int]],
    ks: Sequence[int] = K_CHOICES,
) -> int:
    """The k with the best mean deferral area over the given folds of the training rows."""
    import numpy as np

    weights = default_cost_weights()
    best_k, best_area = ks[0], -1.0
    for k in ks:
        areas = []
        for fold in folds:
            held = np.asarray(fold)
            rest = np.setdiff1d(np.arange(len(x)), held)
            pred = knn_predicted_error(x[held], x[rest], correct[rest], k)
            ncost = cost_usd[rest].mean(0) / cost_usd[rest].mean(0).max()
            singles = single_model_points(correct[held], cost_usd[held])
            areas.append(
                summarize(router_points(pred, ncost, correct[held], cost_usd[held], weights), singles).area
            )
        if float(np.mean(areas)) > best_area:
            best_k, best_area = k, float(np.mean(areas))
    return best_k

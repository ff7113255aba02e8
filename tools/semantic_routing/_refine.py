"""Refine top-level clusters into sub-clusters from a labelled profile set, and count each
model's error in them (what ships and how the router reads it:
gateway.semantic_routing._subclusters).

- Sub-centroids: seeded K-means on the *unlabelled* embeddings of the profile rows whose
  nearest top-level centroid is the parent, the way the top level's clusters are fitted.
- Sub-cluster error: ``(wrong_j + m * err_parent) / (n_j + m)``, a Beta prior worth m
  prompts centred on the model's error in the parent cluster. A cell without prompts gets
  the parent error itself, whatever m.
- Temperature: the top level's rule (T = 0, the hard assignment, or a grid of multiples of
  the typical nearest/second-nearest gap; the least log-loss of predicted error on rows the
  errors were not counted on). A refined cluster has too few rows to set some aside, so
  the errors are cross-fitted: counted on four fifths, scored on the fifth, five times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.semantic_routing._assign import hard_assign, soft_assign
from gateway.semantic_routing._subclusters import NO_REFINEMENT, Refinement
from tools.semantic_routing._fit import distance_scale, error_log_loss
from tools.semantic_routing._kmeans import kmeans

if TYPE_CHECKING:
    import numpy as np

INNER_FOLDS = 5


def subcluster_error(
    labels: np.ndarray, correct: np.ndarray, s: int, parent_error: np.ndarray, prior_strength: float
) -> np.ndarray:
    """``(M, s)`` error per sub-cluster, shrunk toward ``parent_error`` ``(M,)`` with
    ``prior_strength`` pseudo-counts; ``labels`` are the rows' sub-cluster indices."""
    import numpy as np

    wrong = 1.0 - np.asarray(correct, dtype=np.float64)
    onehot = np.zeros((len(labels), s))
    onehot[np.arange(len(labels)), labels] = 1.0
    num = onehot.T @ wrong + prior_strength * parent_error[None, :]  # (s, M)
    den = onehot.sum(0)[:, None] + prior_strength
    out: np.ndarray = np.where(den > 0, num / np.maximum(den, 1e-12), parent_error[None, :]).T
    return out


def _inner_folds(n: int, seed: int) -> list[np.ndarray]:
    import numpy as np

    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(order[i::INNER_FOLDS]) for i in range(INNER_FOLDS)]


def fit_temperature(
    x: np.ndarray, correct: np.ndarray, centroids: np.ndarray, prior_strength: float, *, seed: int
) -> float:
    """The sub-level temperature with the least cross-fitted log-loss; 0 means hard."""
    import numpy as np

    labels = hard_assign(x, centroids)
    s = len(centroids)
    scale = distance_scale(x, centroids)
    candidates = [0.0, *(scale * f for f in np.logspace(-1.5, 2.5, 33))]
    losses = np.zeros(len(candidates))
    for held in _inner_folds(len(x), seed):
        rest = np.setdiff1d(np.arange(len(x)), held)
        parent = 1.0 - correct[rest].mean(0)
        err = subcluster_error(labels[rest], correct[rest], s, parent, prior_strength)
        for i, t in enumerate(candidates):
            losses[i] += len(held) * error_log_loss(soft_assign(x[held], centroids, t), err, correct[held])
    return float(candidates[int(np.argmin(losses))])


@dataclass(frozen=True)
class RefinedProfiles:
    """A refinement and, per refined parent, the ``(M, s)`` errors of the models it was fitted with."""

    refinement: Refinement
    errors: dict[int, np.ndarray]


def refine(
    x: np.ndarray,
    labels: np.ndarray,
    correct: np.ndarray,
    psi: np.ndarray,
    parents: Sequence[int],
    s: int,
    prior_strength: float,
    *,
    seed: int,
) -> RefinedProfiles:
    """``s`` sub-clusters under each of ``parents``, fitted on the rows ``labels`` (nearest
    top-level centroid) puts there; ``psi`` ``(M, K)`` holds the parent errors the sub-cluster
    errors shrink toward. ``s == 1`` refines nothing."""
    import numpy as np

    if s <= 1 or not parents:
        return RefinedProfiles(NO_REFINEMENT, {})
    centroids, temperature, errors = {}, {}, {}
    for p in parents:
        rows = np.flatnonzero(labels == p)
        # float32 as shipped, so what is evaluated here is what the router serves.
        c = kmeans(x[rows], s, seed=seed)[0].astype(np.float32)
        temperature[p] = fit_temperature(x[rows], correct[rows], c, prior_strength, seed=seed)
        errors[p] = subcluster_error(hard_assign(x[rows], c), correct[rows], s, psi[:, p], prior_strength)
        centroids[p] = c
    return RefinedProfiles(Refinement(centroids, temperature, float(prior_strength)), errors)


def count_in_refinement(
    refinement: Refinement, x: np.ndarray, labels: np.ndarray, correct: np.ndarray, psi: np.ndarray
) -> dict[int, np.ndarray]:
    """Per refined parent holding any of the rows, ``(M, s)`` sub-cluster errors counted
    under an existing refinement (a model profiled after it was fitted)."""
    import numpy as np

    out = {}
    for p, c in refinement.centroids.items():
        rows = np.flatnonzero(labels == p)
        if len(rows):
            sub = hard_assign(x[rows], c)
            out[p] = subcluster_error(sub, correct[rows], len(c), psi[:, p], refinement.prior_strength)
    return out

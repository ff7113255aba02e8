"""One UniRoute fit, exactly as shipped: cluster on the training rows, calibrate on the
validation rows, profile on the validation rows.

1. K-means on the training embeddings (seeded).
2. Training-split profiles ``psi_train`` (hard nearest-centroid counts, shrunk to each
   model's overall error) are what the temperature and the learned map are fit against.
3. ``soft``: the temperature minimising validation log-loss of predicted error (0, the
   hard assignment, is one of the candidates). ``learned_map``: softmax(W x + b) trained on
   the training rows, early-stopped on validation log-loss (see _fit.train_learned_map).
4. The shipped profiles ``psi`` and mean costs come from the validation rows: that is how
   a model unseen at training time is added, so the shipped models are added the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.semantic_routing._assign import hard_assign, learned_assign, soft_assign
from tools.semantic_routing._fit import cluster_error, fit_temperature, train_learned_map
from tools.semantic_routing._kmeans import kmeans

if TYPE_CHECKING:
    import numpy as np

VARIANTS = ("hard", "soft", "learned_map")
PRIOR_STRENGTH = 3.0


@dataclass(frozen=True)
class FittedRouter:
    variant: str
    centroids: np.ndarray
    temperature: float
    map_weight: np.ndarray | None
    map_bias: np.ndarray | None
    psi: np.ndarray  # (M, K) from the validation rows
    mean_cost_usd: np.ndarray  # (M,) from the validation rows

    def cluster_weights(self, x: np.ndarray) -> np.ndarray:
        if self.map_weight is not None and self.map_bias is not None:
            return learned_assign(x, self.map_weight, self.map_bias)
        return soft_assign(x, self.centroids, self.temperature)

    def predicted_error(self, x: np.ndarray) -> np.ndarray:
        return self.cluster_weights(x) @ self.psi.T

    @property
    def normalized_cost(self) -> np.ndarray:
        return self.mean_cost_usd / self.mean_cost_usd.max()


def fit_router(
    k: int,
    variant: str,
    x_train: np.ndarray,
    correct_train: np.ndarray,
    x_val: np.ndarray,
    correct_val: np.ndarray,
    cost_val: np.ndarray,
    *,
    seed: int,
    prior_strength: float = PRIOR_STRENGTH,
) -> FittedRouter:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    centroids, _ = kmeans(x_train, k, seed=seed)
    psi_train = cluster_error(hard_assign(x_train, centroids), correct_train, k, prior_strength)
    temperature = 0.0
    if variant == "soft":
        temperature, _ = fit_temperature(x_val, centroids, psi_train, correct_val)
    weight = bias = None
    if variant == "learned_map":
        learned = train_learned_map(x_train, correct_train, psi_train, x_val, correct_val)
        weight, bias = learned.weight, learned.bias
    psi = cluster_error(hard_assign(x_val, centroids), correct_val, k, prior_strength)
    return FittedRouter(variant, centroids, temperature, weight, bias, psi, cost_val.mean(0))

"""P(cluster | prompt): the two shipped ways to spread a prompt over the K clusters.

Batch numpy functions shared by the runtime router and the training/evaluation tools, so
the probabilities a model is evaluated with are the ones it is served with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def _softmax(logits: np.ndarray) -> np.ndarray:
    import numpy as np

    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    probs: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return probs


def squared_distances(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """``(n, K)`` squared Euclidean distances; ``x`` is ``(n, d)``."""
    import numpy as np

    d = (x * x).sum(1)[:, None] - 2.0 * x @ centroids.T + (centroids * centroids).sum(1)[None, :]
    clipped: np.ndarray = np.maximum(d, 0.0)  # rounding can take a distance just below zero
    return clipped


def soft_assign(x: np.ndarray, centroids: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(-||x - c_k||^2 / T) per row; T == 0 is the hard (nearest-centroid) case."""
    import numpy as np

    d = squared_distances(x, centroids)
    if temperature <= 0:
        out = np.zeros_like(d)
        out[np.arange(len(d)), d.argmin(1)] = 1.0
        return out
    return _softmax(-d / temperature)


def hard_assign(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Nearest-centroid index per row (how profiles count a prompt's cluster)."""
    nearest: np.ndarray = squared_distances(x, centroids).argmin(1)
    return nearest


def learned_assign(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """softmax(W x + b): the paper's learned cluster map, ``weight`` is ``(K, d)``."""
    return _softmax(x @ weight.T + bias[None, :])

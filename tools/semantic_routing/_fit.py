"""Fitting UniRoute's pieces: per-cluster error profiles, the softmax temperature, and the
paper's learned cluster map.

Notation: ``x`` are unit-norm prompt embeddings ``(n, d)``; ``correct`` is ``(n, M)`` in
{0, 1}; a profile matrix ``psi`` is ``(M, K)``: model m's error rate in cluster k.
A router's predicted error for prompt i and model m is ``P(cluster | x_i) . psi[m]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.semantic_routing._assign import learned_assign, soft_assign, squared_distances

if TYPE_CHECKING:
    import numpy as np

_EPS = 1e-4


def cluster_error(labels: np.ndarray, correct: np.ndarray, k: int, prior_strength: float) -> np.ndarray:
    """``(M, K)`` per-cluster error rates, shrunk toward each model's overall error.

    ``err[m, k] = (wrong[m, k] + a * overall[m]) / (n_k + a)``: a cluster with few labelled
    prompts (or none) falls back on the model's overall error instead of a 0/1 guess. This
    matters for profiles measured through the gateway on a handful of prompts.
    """
    import numpy as np

    wrong = 1.0 - np.asarray(correct, dtype=np.float64)
    overall = wrong.mean(0)
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    counts = onehot.sum(0)
    wrong_k = onehot.T @ wrong  # (K, M)
    num = wrong_k + prior_strength * overall[None, :]
    den = counts[:, None] + prior_strength
    # An empty cluster with no prior has no evidence at all: use the overall error.
    return np.where(den > 0, num / np.maximum(den, 1e-12), overall[None, :]).T


def error_log_loss(weights: np.ndarray, psi: np.ndarray, correct: np.ndarray) -> float:
    """Mean binary log-loss of predicted error ``weights @ psi.T`` against the labels."""
    import numpy as np

    e = np.clip(weights @ psi.T, _EPS, 1 - _EPS)
    wrong = 1.0 - correct
    return float(-(wrong * np.log(e) + (1 - wrong) * np.log(1 - e)).mean())


def distance_scale(x: np.ndarray, centroids: np.ndarray) -> float:
    """Median gap between the nearest and second-nearest centroid: the unit of temperature."""
    import numpy as np

    d = np.sort(squared_distances(x, centroids), axis=1)
    return float(np.median(d[:, 1] - d[:, 0])) if d.shape[1] > 1 else 1.0


def fit_temperature(
    x: np.ndarray, centroids: np.ndarray, psi: np.ndarray, correct: np.ndarray
) -> tuple[float, float]:
    """Temperature (and its log-loss) minimizing held-out error log-loss; 0 means hard.

    A grid over multiples of the typical nearest/second-nearest distance gap, then the hard
    case: cheap, deterministic, and the loss is one-dimensional and smooth in log T.
    """
    import numpy as np

    scale = distance_scale(x, centroids)
    candidates = [0.0, *(scale * f for f in np.logspace(-1.5, 2.5, 33))]
    losses = [error_log_loss(soft_assign(x, centroids, t), psi, correct) for t in candidates]
    best = int(np.argmin(losses))
    return float(candidates[best]), float(losses[best])


@dataclass(frozen=True)
class LearnedMap:
    weight: np.ndarray  # (K, d)
    bias: np.ndarray  # (K,)
    train_loss: float
    validation_loss: float
    steps: int


def train_learned_map(
    x_train: np.ndarray,
    correct_train: np.ndarray,
    psi_train: np.ndarray,
    x_val: np.ndarray,
    correct_val: np.ndarray,
    *,
    lr: float = 0.01,
    max_steps: int = 3000,
    patience: int = 100,
) -> LearnedMap:
    """The paper's learned cluster map: ``P(k | x) = softmax(W x + b)``, fit by log-loss.

    Trained on the training split so that ``softmax(W x + b) . psi_train[m]`` predicts
    whether model m errs on x, for every model at once, with ``psi_train`` the K-means
    per-cluster errors on the same split; the map is free to put a prompt in the clusters
    whose error profile explains the labels, not merely the nearest one. Starts from the
    uniform map (W = 0, b = 0), full-batch Adam, early-stopped on validation log-loss
    (the only regulariser: with ~1.3k prompts an L2 penalty strong enough to matter also
    kept the map near uniform).
    """
    import numpy as np

    k, d = psi_train.shape[1], x_train.shape[1]
    w, b = np.zeros((k, d)), np.zeros(k)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    wrong = 1.0 - correct_train
    n, n_models = wrong.shape
    best = (error_log_loss(learned_assign(x_val, w, b), psi_train, correct_val), w.copy(), b.copy(), 0)
    beta1, beta2 = 0.9, 0.999
    for step in range(1, max_steps + 1):
        p = learned_assign(x_train, w, b)
        e = np.clip(p @ psi_train.T, _EPS, 1 - _EPS)
        g_e = (e - wrong) / (e * (1 - e)) / (n * n_models)  # d loss / d e
        g_p = g_e @ psi_train  # (n, K)
        g_z = p * (g_p - (g_p * p).sum(1, keepdims=True))  # back through the softmax
        for param, grad, m, v in ((w, g_z.T @ x_train, m_w, v_w), (b, g_z.sum(0), m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= lr * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
        val = error_log_loss(learned_assign(x_val, w, b), psi_train, correct_val)
        if val < best[0] - 1e-6:
            best = (val, w.copy(), b.copy(), step)
        elif step - best[3] >= patience:
            break
    _, w, b, steps = best
    train_loss = error_log_loss(learned_assign(x_train, w, b), psi_train, correct_train)
    return LearnedMap(w, b, train_loss, best[0], steps)

"""Seeded K-means (k-means++ init, Lloyd iterations, best of several restarts).

Small and dependency-free (numpy only) because the training set is a few thousand
prompts: scikit-learn would be a 40 MB dependency for forty lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def _sq_dists(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    import numpy as np

    d = (x * x).sum(1)[:, None] - 2.0 * x @ c.T + (c * c).sum(1)[None, :]
    return np.maximum(d, 0.0)


def _plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    import numpy as np

    centers = [x[rng.integers(len(x))]]
    d = _sq_dists(x, np.asarray(centers)).min(1)
    for _ in range(1, k):
        total = d.sum()
        # All points already coincide with a centre: any choice is as good as another.
        idx = rng.integers(len(x)) if total <= 0 else rng.choice(len(x), p=d / total)
        centers.append(x[idx])
        d = np.minimum(d, _sq_dists(x, x[idx][None, :])[:, 0])
    return np.asarray(centers)


def kmeans(
    x: np.ndarray, k: int, *, seed: int, n_init: int = 8, max_iter: int = 300
) -> tuple[np.ndarray, float]:
    """Centroids ``(k, d)`` and their inertia, the lowest over ``n_init`` seeded restarts."""
    import numpy as np

    if not 1 <= k <= len(x):
        raise ValueError(f"k must be in [1, {len(x)}], got {k}")
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    best: tuple[np.ndarray, float] | None = None
    for _ in range(n_init):
        c = _plus_plus(x, k, rng)
        for _ in range(max_iter):
            labels = _sq_dists(x, c).argmin(1)
            new = c.copy()
            for j in range(k):
                members = x[labels == j]
                # An emptied cluster is re-seeded on the worst-fit point rather than dropped,
                # so the shipped K is the K that was asked for.
                new[j] = members.mean(0) if len(members) else x[_sq_dists(x, c).min(1).argmax()]
            if np.allclose(new, c):
                break
            c = new
        inertia = float(_sq_dists(x, c).min(1).sum())
        if best is None or inertia < best[1]:
            best = (c, inertia)
    assert best is not None
    return best[0], best[1]

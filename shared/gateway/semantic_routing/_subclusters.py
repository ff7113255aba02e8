"""Sub-clusters beneath a top-level cluster: the optional refinement and its artifacts.

A labelled set that covers one top-level cluster densely (the current models' recorded
outcomes all land in one of RouterBench's four) can split that cluster into finer cells:
K-means on the *unlabelled* embeddings of its rows there, fitted by
``tools.semantic_routing.profile --from-csv``. The top-level clusters, their temperature
and every existing per-cluster error stay as they are; a refinement only adds cells under a
parent.

- ``subclusters.npz``: ``cluster_<parent>`` ``(s, d)`` sub-centroids per refined parent.
- ``subclusters.json``: the parent centroids' sha256 it was fitted under, the sha256 of the
  sub-centroids (profiles name it, as they name the parent centroids), the pseudo-count
  ``prior_strength`` m that shrinks a sub-cluster's error toward the parent's, and per
  parent its sub-cluster count and temperature.

Both files absent: no refinement, and routing is exactly the unrefined UniRoute.

A prompt's weight on sub-cluster j of parent p is ``P(p | x) * P(j | x, p)``, the second a
distance softmax over the parent's sub-centroids. A model's error in (p, j) is its
``subcluster_error``; a model with none for p (profiled before the refinement, or with no
labelled prompt in p) keeps its parent error there, so its predictions do not change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.semantic_routing._assign import soft_assign
from gateway.semantic_routing._bundle import RoutingArtifactError

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = 1
JSON_NAME, ARRAYS_NAME = "subclusters.json", "subclusters.npz"


@dataclass(frozen=True, eq=False)  # arrays have no truth value: compare digests, not objects
class Refinement:
    """Sub-centroids and temperature per refined parent cluster; empty when nothing is refined."""

    centroids: Mapping[int, np.ndarray]
    temperature: Mapping[int, float]
    prior_strength: float = 0.0

    @property
    def sizes(self) -> dict[int, int]:
        """Refined parent -> its number of sub-clusters."""
        return {p: int(c.shape[0]) for p, c in sorted(self.centroids.items())}

    @property
    def digest(self) -> str:
        """What a profile's sub-cluster errors were counted against ("" when nothing is refined)."""
        return subclusters_digest(self.centroids) if self.centroids else ""

    def weights(self, x: np.ndarray) -> dict[int, np.ndarray]:
        """Per refined parent, ``(n, s)`` P(sub-cluster | prompt, parent) for ``(n, d)`` rows."""
        return {p: soft_assign(x, c, self.temperature[p]) for p, c in sorted(self.centroids.items())}


NO_REFINEMENT = Refinement({}, {})


def subclusters_digest(centroids: Mapping[int, np.ndarray]) -> str:
    import numpy as np

    h = hashlib.sha256()
    for parent, c in sorted(centroids.items()):
        h.update(f"{parent}:".encode())
        h.update(np.ascontiguousarray(c, dtype=np.float32).tobytes())
    return h.hexdigest()


def refined_error(
    weights: np.ndarray,
    psi: np.ndarray,
    sub_weights: Mapping[int, np.ndarray],
    sub_errors: Mapping[int, Mapping[int, np.ndarray]],
) -> np.ndarray:
    """``(n, M)`` predicted error: ``weights @ psi.T`` with each model's parent error replaced,
    where it has sub-cluster errors, by ``sub_weights[p] @ sub_errors[p][m]``.

    ``weights`` is ``(n, K)``, ``psi`` ``(M, K)``; ``sub_errors[p]`` maps a model's column to
    its ``(s,)`` errors under parent p. Columns without sub-cluster errors are left exactly
    as ``weights @ psi.T`` computes them (no re-summation), so an unrefined model's
    decisions cannot move by a rounding difference.
    """
    out: np.ndarray = weights @ psi.T
    for p, by_model in sub_errors.items():
        if p not in sub_weights:
            continue
        for j, cells in by_model.items():
            out[:, j] += weights[:, p] * (sub_weights[p] @ cells - psi[j, p])
    return out


def load_refinement(directory: Path, parent_digest: str, num_clusters: int) -> Refinement:
    """The refinement in ``directory``, or NO_REFINEMENT when neither file exists.

    Raises RoutingArtifactError when one file is missing, either is malformed, or it was
    fitted under other parent centroids.
    """
    meta_path, arrays_path = directory / JSON_NAME, directory / ARRAYS_NAME
    if not meta_path.exists() and not arrays_path.exists():
        return NO_REFINEMENT
    try:
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
        arrays = _read_arrays(arrays_path)
    except (OSError, ValueError) as exc:
        raise RoutingArtifactError(f"cannot read the sub-clusters: {exc}") from exc
    return parse_refinement(raw, arrays, parent_digest, num_clusters)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    import numpy as np

    with np.load(path, allow_pickle=False) as npz:
        return {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}


def parse_refinement(
    raw: Mapping[str, Any], arrays: Mapping[str, np.ndarray], parent_digest: str, num_clusters: int
) -> Refinement:
    if not isinstance(raw, Mapping) or raw.get("schema_version") != SCHEMA_VERSION:
        raise RoutingArtifactError(f"{JSON_NAME}: expected schema_version {SCHEMA_VERSION}")
    if raw.get("centroids_sha256") != parent_digest:
        raise RoutingArtifactError(f"{JSON_NAME} was fitted under other centroids; re-profile")
    centroids: dict[int, np.ndarray] = {}
    temperature: dict[int, float] = {}
    try:
        prior = float(raw["prior_strength"])
        for key, entry in dict(raw["clusters"]).items():
            parent = int(key)
            c = arrays[f"cluster_{parent}"]
            if not 0 <= parent < num_clusters or c.ndim != 2 or c.shape[0] != int(entry["num_subclusters"]):
                raise ValueError(f"cluster {key}: bad parent or sub-centroid shape {c.shape}")
            centroids[parent], temperature[parent] = c, float(entry["temperature"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RoutingArtifactError(f"{JSON_NAME}: {exc!r}") from exc
    if prior < 0 or any(t < 0 for t in temperature.values()):
        raise RoutingArtifactError(f"{JSON_NAME}: negative prior strength or temperature")
    refinement = Refinement(centroids, temperature, prior)
    if raw.get("subclusters_sha256") != refinement.digest:
        raise RoutingArtifactError(f"{ARRAYS_NAME} does not match {JSON_NAME}")
    return refinement

"""UniRoute (Jitkrittum et al., "Universal Model Routing for Efficient LLM Inference",
arXiv 2502.08773): route a prompt to the model with the lowest predicted error plus a
cost penalty, where a model is represented only by its error rate per prompt cluster.

    score(m | x) = sum_k P(k | x) * err_m[k]  +  cost_weight * cost_m / max_j cost_j

- ``P(k | x)``: a softmax over negative squared distances from the prompt embedding to the
  K-means centroids with a fitted temperature, or the paper's learned cluster map
  ``softmax(W x + b)``; ``router.json`` says which one shipped.
- ``err_m[k]``: the model's error rate on labelled validation prompts of cluster k. A new
  model needs only its profile (``python -m tools.semantic_routing.profile``), no retraining.
- Optionally a cluster is refined into sub-clusters (``_subclusters.py``): then
  ``err_m[k] = sum_j P(j | x, k) * err_m[k, j]`` for a model profiled in them, and stays the
  parent's error for every other model.
- Costs are normalised by the most expensive *profiled* model, not by the candidates of
  this request, so a cost_weight means the same on every request. ``cost_weight = 0``
  ignores cost; a large one picks the cheapest candidate.

Nothing here does I/O except loading the bundled artifacts, and numpy is imported only
when a router is loaded.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.semantic_routing._bundle import (
    ARTIFACTS_DIR,
    ModelProfile,
    RouterConfig,
    centroids_digest,
    load_arrays,
    load_config,
    load_profiles,
    parse_profiles,
    read_profiles_document,
)
from gateway.semantic_routing._subclusters import (
    ARRAYS_NAME,
    JSON_NAME,
    NO_REFINEMENT,
    Refinement,
    load_refinement,
    refined_error,
)

if TYPE_CHECKING:
    import numpy as np


class UnknownProfileError(Exception):
    """A requested candidate model has no routing profile."""

    def __init__(self, model: str) -> None:
        self.model = model
        super().__init__(f"model {model!r} has no routing profile")


@dataclass(frozen=True)
class CandidateScore:
    model: str
    #: Expected error rate on this prompt: cluster weights . the model's cluster errors.
    predicted_error: float
    #: Mean cost per request over the most expensive profiled model's (0..1].
    cost_normalized: float
    #: Mean USD per request measured when the model was profiled (an estimate).
    cost_usd: float
    #: predicted_error + cost_weight * cost_normalized; the lowest wins.
    score: float


@dataclass(frozen=True)
class RoutingDecision:
    selected_model: str
    #: Every candidate, best score first.
    candidates: tuple[CandidateScore, ...]
    #: P(cluster | prompt), K floats summing to 1.
    cluster_weights: tuple[float, ...]
    cost_weight: float
    #: Refined cluster -> P(sub-cluster | prompt, that cluster); empty without a refinement.
    subcluster_weights: Mapping[int, tuple[float, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["candidates"] = [asdict(c) for c in self.candidates]
        out["cluster_weights"] = list(self.cluster_weights)
        out["subcluster_weights"] = {str(p): list(w) for p, w in self.subcluster_weights.items()}
        return out


def _checked_candidates(
    profiles: Mapping[str, ModelProfile], candidates: Sequence[str] | None, cost_weight: float
) -> list[str]:
    if not math.isfinite(cost_weight) or cost_weight < 0:
        raise ValueError("cost_weight must be a finite number >= 0")
    names = list(dict.fromkeys(candidates)) if candidates is not None else sorted(profiles)
    if not names:
        raise ValueError("at least one candidate model is required")
    for name in names:
        if name not in profiles:
            raise UnknownProfileError(name)
    return names


def predicted_error(
    cluster_weights: Sequence[float],
    profile: ModelProfile,
    subcluster_weights: Mapping[int, Sequence[float]],
) -> float:
    """``sum_k P(k | x) err[k]``, a refined cluster's ``err[k]`` taken from the prompt's
    sub-cluster weights where the model has sub-cluster errors there."""
    error = 0.0
    for k, (w, e) in enumerate(zip(cluster_weights, profile.cluster_error, strict=True)):
        cells, sub = profile.subcluster_error.get(k), subcluster_weights.get(k)
        if cells is not None and sub is not None:
            e = sum(s * c for s, c in zip(sub, cells, strict=True))
        error += w * e
    return error


def score_candidates(
    cluster_weights: Sequence[float],
    profiles: Mapping[str, ModelProfile],
    candidates: Sequence[str] | None = None,
    cost_weight: float = 0.0,
    subcluster_weights: Mapping[int, Sequence[float]] | None = None,
) -> RoutingDecision:
    """Pick the candidate with the lowest score; ties go to the cheaper, then by name.

    ``candidates`` defaults to every profiled model; ``subcluster_weights`` (refined cluster
    -> P(sub-cluster | prompt, cluster)) defaults to none. Raises UnknownProfileError for a
    candidate without a profile, ValueError for an empty candidate list or a negative or
    non-finite cost_weight.
    """
    names = _checked_candidates(profiles, candidates, cost_weight)
    cost_weight = float(cost_weight)
    sub = {p: tuple(float(v) for v in w) for p, w in (subcluster_weights or {}).items()}
    max_cost = max(p.mean_cost_usd for p in profiles.values())
    scored = []
    for name in names:
        p = profiles[name]
        error = predicted_error(cluster_weights, p, sub)
        cost = p.mean_cost_usd / max_cost if max_cost > 0 else 0.0
        scored.append(CandidateScore(name, error, cost, p.mean_cost_usd, error + cost_weight * cost))
    scored.sort(key=lambda c: (c.score, c.cost_usd, c.model))
    return RoutingDecision(
        scored[0].model, tuple(scored), tuple(float(w) for w in cluster_weights), cost_weight, sub
    )


class UniRouter:
    """A loaded profile bundle; thread-safe and immutable after construction."""

    def __init__(
        self,
        config: RouterConfig,
        arrays: Mapping[str, np.ndarray],
        profiles: Mapping[str, ModelProfile],
        refinement: Refinement = NO_REFINEMENT,
    ) -> None:
        self.config = config
        self._arrays = dict(arrays)
        self._centroids = arrays["centroids"]
        self._map = (arrays["map_weight"], arrays["map_bias"]) if config.assignment == "learned_map" else None
        self.profiles: Mapping[str, ModelProfile] = dict(profiles)
        self.refinement = refinement

    @classmethod
    def load(cls, directory: str | Path = ARTIFACTS_DIR) -> UniRouter:
        """Load and cross-check router.json, router.npz, profiles.json and, when present,
        subclusters.json / .npz.

        Raises RoutingArtifactError when they are missing or do not belong together.
        """
        directory = Path(directory)
        config = load_config(directory)
        arrays = load_arrays(directory, config)
        digest = centroids_digest(arrays["centroids"])
        refinement = load_refinement(directory, digest, config.num_clusters)
        profiles = load_profiles(directory, config.num_clusters, digest, refinement.sizes, refinement.digest)
        return cls(config, arrays, profiles, refinement)

    def with_profiles(
        self, profiles: Mapping[str, ModelProfile], refinement: Refinement | None = None
    ) -> UniRouter:
        """The same clusters and assignment with other profiles (counted against these
        centroids) and, if given, another refinement (else this one)."""
        return UniRouter(
            self.config, self._arrays, profiles, self.refinement if refinement is None else refinement
        )

    @property
    def centroids_sha256(self) -> str:
        return centroids_digest(self._centroids)

    @property
    def models(self) -> list[str]:
        return sorted(self.profiles)

    @property
    def centroids(self) -> np.ndarray:
        """``(K, d)`` K-means centroids; profiles count prompts by the nearest one."""
        return self._centroids

    def batch_cluster_weights(self, embeddings: np.ndarray) -> np.ndarray:
        """``(n, K)`` P(cluster | prompt) for ``(n, d)`` embeddings; rows sum to 1."""
        import numpy as np

        from gateway.semantic_routing._assign import learned_assign, soft_assign

        x = np.atleast_2d(np.asarray(embeddings, dtype=np.float32))
        if self._map is not None:
            return learned_assign(x, *self._map)
        return soft_assign(x, self._centroids, self.config.temperature)

    def cluster_weights(self, embedding: np.ndarray) -> tuple[float, ...]:
        """P(cluster | prompt) for one embedding; sums to 1."""
        return tuple(float(v) for v in self.batch_cluster_weights(embedding)[0])

    def subcluster_weights(self, embedding: np.ndarray) -> dict[int, tuple[float, ...]]:
        """Refined cluster -> P(sub-cluster | prompt, cluster) for one embedding; empty
        without a refinement."""
        if not self.refinement.centroids:
            return {}
        import numpy as np

        x = np.atleast_2d(np.asarray(embedding, dtype=np.float32))
        return {p: tuple(float(v) for v in w[0]) for p, w in self.refinement.weights(x).items()}

    def batch_predicted_error(self, embeddings: np.ndarray, models: Sequence[str]) -> np.ndarray:
        """``(n, M)`` predicted errors of ``models`` for ``(n, d)`` embeddings: the numbers
        route_embedding scores with, for a whole evaluation set at once."""
        import numpy as np

        x = np.atleast_2d(np.asarray(embeddings, dtype=np.float32))
        psi = np.asarray([self.profiles[m].cluster_error for m in models], dtype=np.float64)
        sub_errors = {
            p: {
                j: np.asarray(cells, dtype=np.float64)
                for j, m in enumerate(models)
                if (cells := self.profiles[m].subcluster_error.get(p)) is not None
            }
            for p in self.refinement.centroids
        }
        return refined_error(self.batch_cluster_weights(x), psi, self.refinement.weights(x), sub_errors)

    def route_embedding(
        self, embedding: np.ndarray, candidates: Sequence[str] | None = None, cost_weight: float = 0.0
    ) -> RoutingDecision:
        return score_candidates(
            self.cluster_weights(embedding),
            self.profiles,
            candidates,
            cost_weight,
            self.subcluster_weights(embedding),
        )

    def route(
        self, text: str, candidates: Sequence[str] | None = None, cost_weight: float = 0.0
    ) -> RoutingDecision:
        """Embed ``text`` (see gateway.semantic_routing.embed for truncation) and route it."""
        from gateway.semantic_routing.embed import get_embedder

        _checked_candidates(self.profiles, candidates, cost_weight)  # fail before paying for the embedding
        return self.route_embedding(get_embedder(self.config.embedding).embed(text), candidates, cost_weight)


@functools.cache
def _shipped() -> UniRouter:
    return UniRouter.load(ARTIFACTS_DIR)


_Stamp = tuple[int, int] | None
_LOADED: dict[str | None, tuple[tuple[_Stamp, ...], UniRouter]] = {}
_LOAD_LOCK = threading.Lock()


def _stamp(path: Path | None) -> _Stamp:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def default_router(overlay: str | Path | None = None) -> UniRouter:
    """The router over the artifacts shipped in ``gateway/semantic_routing/data``.

    The clusters load once per process. The profiles (and the sub-clusters, which the
    offline profiler rewrites with them) are re-read whenever the shipped ``profiles.json``,
    ``subclusters.*`` or ``overlay`` (a profiles.json of the same format whose entries win,
    e.g. written by ``tools.semantic_routing.profile --out``) changes on disk: each call costs
    one ``stat`` per file, so a model profiled while the process runs is routable on its next
    request, with no rebuild. A missing overlay counts as empty. Raises RoutingArtifactError
    when a file is malformed or was counted against other centroids.
    """
    base = _shipped()
    shipped = ARTIFACTS_DIR / "profiles.json"
    extra = Path(overlay) if overlay else None
    key = str(extra) if extra is not None else None
    stamp = (
        _stamp(shipped),
        _stamp(extra),
        _stamp(ARTIFACTS_DIR / JSON_NAME),
        _stamp(ARTIFACTS_DIR / ARRAYS_NAME),
    )
    found = _LOADED.get(key)
    if found is not None and found[0] == stamp:
        return found[1]
    with _LOAD_LOCK:
        found = _LOADED.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
        digest, k = base.centroids_sha256, base.config.num_clusters
        refinement = load_refinement(ARTIFACTS_DIR, digest, k)
        sizes, sub_digest = refinement.sizes, refinement.digest
        profiles = load_profiles(ARTIFACTS_DIR, k, digest, sizes, sub_digest)
        if extra is not None and stamp[1] is not None:
            profiles.update(parse_profiles(read_profiles_document(extra), k, digest, sizes, sub_digest))
        router = base.with_profiles(profiles, refinement)
        _LOADED[key] = (stamp, router)
        return router

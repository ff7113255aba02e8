"""The shipped routing artifacts in ``data/`` and their on-disk format.

- ``router.json``: embedding spec, K, how P(cluster | prompt) is computed (``soft`` distance
  softmax with a temperature, or the ``learned_map``), the profile prior, tier thresholds.
- ``router.npz``: ``centroids`` (K, d) and, for the learned map, ``map_weight`` (K, d) and
  ``map_bias`` (K,).
- ``profiles.json``: per model its per-cluster error rates and mean cost per request, and,
  for a model counted under a refinement (``_subclusters.py``), its error per sub-cluster of
  each refined parent. It names the sha256 of the centroids it was measured against (and of
  the sub-centroids, when any entry has sub-cluster errors): a profile is only meaningful
  for the clustering it was counted in.
- ``subclusters.json``, ``subclusters.npz``: the optional refinement (``_subclusters.py``).
- ``split.json``: the sample_ids of the training data's train / validation / test split,
  so evaluation can hold out exactly the test rows. Not read at serving time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

ARTIFACTS_DIR = Path(__file__).parent / "data"
SCHEMA_VERSION = 1
ASSIGNMENTS = ("soft", "learned_map")


class RoutingArtifactError(Exception):
    """The routing artifacts are missing, malformed, or do not belong together."""


@dataclass(frozen=True)
class RouterConfig:
    embedding: str
    num_clusters: int
    assignment: str
    temperature: float
    profile_prior_strength: float
    tier_thresholds: tuple[float, float]
    tier_reference_models: tuple[str, ...]


@dataclass(frozen=True)
class ModelProfile:
    """One model's routing profile: what it gets wrong where, and what it costs."""

    model: str
    cluster_error: tuple[float, ...]
    mean_cost_usd: float
    source: str
    validation_size: int
    date: str
    #: Refined parent cluster -> the model's error in each of its sub-clusters. A parent
    #: missing here (or every parent, for a model profiled without a refinement) means the
    #: parent's error holds in all of its sub-clusters.
    subcluster_error: Mapping[int, tuple[float, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "cluster_error": [round(e, 6) for e in self.cluster_error],
            "mean_cost_usd": self.mean_cost_usd,
            "source": self.source,
            "validation_size": self.validation_size,
            "date": self.date,
        }
        if self.subcluster_error:
            out["subcluster_error"] = {
                str(p): [round(e, 6) for e in cells] for p, cells in sorted(self.subcluster_error.items())
            }
        return out


def centroids_digest(centroids: np.ndarray) -> str:
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(centroids, dtype=np.float32).tobytes()).hexdigest()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RoutingArtifactError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise RoutingArtifactError(f"{path}: expected an object with schema_version {SCHEMA_VERSION}")
    return data


def load_config(directory: Path = ARTIFACTS_DIR) -> RouterConfig:
    raw = _read_json(directory / "router.json")
    try:
        config = RouterConfig(
            embedding=str(raw["embedding"]),
            num_clusters=int(raw["num_clusters"]),
            assignment=str(raw["assignment"]),
            temperature=float(raw["temperature"]),
            profile_prior_strength=float(raw["profile_prior_strength"]),
            tier_thresholds=(float(raw["tiers"]["thresholds"][0]), float(raw["tiers"]["thresholds"][1])),
            tier_reference_models=tuple(raw["tiers"]["reference_models"]),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RoutingArtifactError(f"router.json: {exc!r}") from exc
    if config.assignment not in ASSIGNMENTS:
        raise RoutingArtifactError(f"router.json: assignment must be one of {ASSIGNMENTS}")
    return config


def load_arrays(directory: Path, config: RouterConfig) -> dict[str, np.ndarray]:
    import numpy as np

    try:
        with np.load(directory / "router.npz", allow_pickle=False) as npz:
            arrays = {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}
    except (OSError, ValueError) as exc:
        raise RoutingArtifactError(f"cannot read router.npz: {exc}") from exc
    centroids = arrays.get("centroids")
    if centroids is None or centroids.ndim != 2 or centroids.shape[0] != config.num_clusters:
        raise RoutingArtifactError("router.npz: centroids must be (num_clusters, dim)")
    if config.assignment == "learned_map":
        w, b = arrays.get("map_weight"), arrays.get("map_bias")
        if w is None or b is None or w.shape != centroids.shape or b.shape != (config.num_clusters,):
            raise RoutingArtifactError("router.npz: learned map needs map_weight (K, d) and map_bias (K,)")
    return arrays


def _subcluster_errors(entry: Mapping[str, Any]) -> dict[int, tuple[float, ...]]:
    return {
        int(p): tuple(float(e) for e in cells) for p, cells in dict(entry.get("subcluster_error", {})).items()
    }


def parse_profiles(
    raw: Mapping[str, Any],
    num_clusters: int,
    digest: str,
    subclusters: Mapping[int, int] | None = None,
    subclusters_digest: str = "",
) -> dict[str, ModelProfile]:
    """Validated profiles; raises RoutingArtifactError naming the first bad entry.

    ``subclusters`` (refined parent -> sub-cluster count) and ``subclusters_digest`` describe
    the loaded refinement; sub-cluster errors must have been counted against it.
    """
    if raw.get("centroids_sha256") != digest:
        raise RoutingArtifactError(
            "profiles.json was measured against other centroids; re-profile or retrain"
        )
    sizes = dict(subclusters or {})
    out: dict[str, ModelProfile] = {}
    for model, entry in dict(raw.get("models", {})).items():
        try:
            errors = tuple(float(e) for e in entry["cluster_error"])
            profile = ModelProfile(
                model=model,
                cluster_error=errors,
                mean_cost_usd=float(entry["mean_cost_usd"]),
                source=str(entry["source"]),
                validation_size=int(entry["validation_size"]),
                date=str(entry["date"]),
                subcluster_error=_subcluster_errors(entry),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RoutingArtifactError(f"profiles.json: model {model!r}: {exc!r}") from exc
        if len(errors) != num_clusters or not all(0.0 <= e <= 1.0 for e in errors):
            raise RoutingArtifactError(
                f"profiles.json: model {model!r}: need {num_clusters} errors in [0, 1]"
            )
        if profile.subcluster_error and raw.get("subclusters_sha256") != subclusters_digest:
            raise RoutingArtifactError(
                "profiles.json: sub-cluster errors were counted against other sub-clusters; re-profile"
            )
        for p, cells in profile.subcluster_error.items():
            if len(cells) != sizes.get(p) or not all(0.0 <= e <= 1.0 for e in cells):
                raise RoutingArtifactError(
                    f"profiles.json: model {model!r}: cluster {p} is not refined into {len(cells)} "
                    "sub-clusters, or an error is outside [0, 1]"
                )
        if profile.mean_cost_usd < 0:
            raise RoutingArtifactError(f"profiles.json: model {model!r}: negative cost")
        out[model] = profile
    if not out:
        raise RoutingArtifactError("profiles.json: no models")
    return out


def read_profiles_document(path: Path) -> dict[str, Any]:
    """A profiles.json document, schema version checked (entries are checked by parse_profiles)."""
    return _read_json(path)


def load_profiles(
    directory: Path,
    num_clusters: int,
    digest: str,
    subclusters: Mapping[int, int] | None = None,
    subclusters_digest: str = "",
) -> dict[str, ModelProfile]:
    raw = _read_json(directory / "profiles.json")
    return parse_profiles(raw, num_clusters, digest, subclusters, subclusters_digest)

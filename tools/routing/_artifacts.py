"""Writing the routing artifacts (the format is defined in gateway.routing._bundle)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.routing._bundle import SCHEMA_VERSION, ModelProfile, centroids_digest

if TYPE_CHECKING:
    import numpy as np


def _atomic_write(path: Path, data: bytes) -> None:
    # A crash mid-write must not leave a half-written artifact that the router then loads.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    _atomic_write(path, (json.dumps(data, indent=1, sort_keys=False) + "\n").encode())


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
    _atomic_write(path, buf.getvalue())


def profiles_document(
    centroids: np.ndarray, embedding: str, profiles: Iterable[ModelProfile]
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "embedding": embedding,
        "num_clusters": int(centroids.shape[0]),
        "centroids_sha256": centroids_digest(centroids),
        "models": {p.model: p.to_json() for p in sorted(profiles, key=lambda p: p.model)},
    }


def upsert_profile(path: Path, profile: ModelProfile) -> dict[str, Any]:
    """Add or replace one model's entry in an existing profiles.json; returns the document."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if len(profile.cluster_error) != document["num_clusters"]:
        raise ValueError(f"profile has {len(profile.cluster_error)} clusters, profiles.json has {document['num_clusters']}")
    document["models"][profile.model] = profile.to_json()
    document["models"] = dict(sorted(document["models"].items()))
    write_json(path, document)
    return document

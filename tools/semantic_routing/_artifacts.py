"""Writing the routing artifacts (the format is defined in gateway.semantic_routing._bundle)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.semantic_routing._bundle import SCHEMA_VERSION, ModelProfile, centroids_digest
from gateway.semantic_routing._subclusters import ARRAYS_NAME, JSON_NAME, Refinement

if TYPE_CHECKING:
    import numpy as np


def _atomic_write(path: Path, data: bytes) -> None:
    # A crash mid-write must not leave a half-written artifact that the router then loads.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates 0600; the Lambda runtime user must be able to read the artifact.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    _atomic_write(path, (json.dumps(data, indent=1, sort_keys=False) + "\n").encode())


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An .npz (what np.load reads), byte-identical for identical arrays: fixed zip
    timestamps, unlike np.savez, so a retrain that changes nothing shows no diff."""
    import io
    import zipfile

    import numpy as np

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(
                member, np.ascontiguousarray(arrays[name], dtype=np.float32), allow_pickle=False
            )
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    _atomic_write(path, buf.getvalue())


def profiles_document(
    centroids: np.ndarray, embedding: str, profiles: Iterable[ModelProfile], subclusters_sha256: str = ""
) -> dict[str, Any]:
    """A profiles.json; ``subclusters_sha256`` names the refinement any sub-cluster errors
    were counted against (left out when there is none, as before refinements existed)."""
    head: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "embedding": embedding,
        "num_clusters": int(centroids.shape[0]),
        "centroids_sha256": centroids_digest(centroids),
    }
    if subclusters_sha256:
        head["subclusters_sha256"] = subclusters_sha256
    return {**head, "models": {p.model: p.to_json() for p in sorted(profiles, key=lambda p: p.model)}}


def write_subclusters(
    directory: Path, refinement: Refinement, centroids: np.ndarray, fitted: Mapping[str, Any]
) -> None:
    """subclusters.json and .npz for ``refinement`` under ``centroids``; with nothing refined,
    remove them (the router then runs unrefined). ``fitted`` records how it was chosen."""
    if not refinement.centroids:
        remove_subclusters(directory)
        return
    write_arrays(directory / ARRAYS_NAME, {f"cluster_{p}": c for p, c in refinement.centroids.items()})
    write_json(
        directory / JSON_NAME,
        {
            "schema_version": SCHEMA_VERSION,
            "centroids_sha256": centroids_digest(centroids),
            "subclusters_sha256": refinement.digest,
            "prior_strength": refinement.prior_strength,
            "clusters": {
                str(p): {"num_subclusters": n, "temperature": refinement.temperature[p]}
                for p, n in refinement.sizes.items()
            },
            "fitted": dict(fitted),
        },
    )


def remove_subclusters(directory: Path) -> None:
    """Drop a refinement: it belongs to the centroids and profiles it was fitted with."""
    for name in (JSON_NAME, ARRAYS_NAME):
        (directory / name).unlink(missing_ok=True)


def upsert_profile(path: Path, profile: ModelProfile) -> dict[str, Any]:
    """Add or replace one model's entry in an existing profiles.json; returns the document."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if len(profile.cluster_error) != document["num_clusters"]:
        raise ValueError(
            f"profile has {len(profile.cluster_error)} clusters, profiles.json has {document['num_clusters']}"
        )
    document["models"][profile.model] = profile.to_json()
    document["models"] = dict(sorted(document["models"].items()))
    write_json(path, document)
    return document

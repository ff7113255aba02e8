"""The catalog: providers, models, prices, tiers and provider order, as data.

``catalog.json`` sits beside this module and is validated here at first use. Prices are
USD per million tokens, as the providers publish them; ``prices_as_of`` dates them.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from gateway.errors import ModelNotFoundError

Tier = Literal["cheap", "mid", "premium"]
Status = Literal["active", "deprecated", "retired"]

CATALOG_PATH = Path(__file__).with_name("catalog.json")


class Pricing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    """Cache reads; absent means the provider has no discount (billed as input)."""
    cache_write: float | None = Field(default=None, ge=0)
    """Cache writes (Anthropic's cache_creation tokens); absent means billed as input."""
    per_image: dict[str, float] | None = None
    """USD per generated image, by ``"<quality>/<size>"`` (e.g. ``"hd/1024x1792"``): image models."""
    per_minute: float | None = Field(default=None, ge=0)
    """USD per minute of input audio: transcription models billed by duration."""
    min_billed_seconds: float | None = Field(default=None, ge=0)
    """The provider's minimum billed duration per request (Groq: 10 s)."""
    source: str | None = None
    """Where these prices were read (the provider's pricing page), as of ``as_of``."""
    as_of: date | None = None


class ServedBy(BaseModel):
    """One provider serving a model, in the catalog's priority order."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str
    """The model's id in that provider's own API."""
    pricing: Pricing | None = None
    """That provider's prices, where they differ from the model's."""
    params: list[str] | None = None
    """Optional request parameters this provider accepts for this model (default: the provider's)."""


class ProviderInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    adapter: str
    """Registry key of the adapter that speaks this provider's API."""
    base_url: str
    """The real API root, as the provider's own SDK takes it; ``<ID>_BASE_URL`` overrides it."""
    params: list[str]
    """Optional chat parameters this provider's API accepts."""
    enabled: bool = True
    api_reference: str | None = None
    api_key_env: str | None = None
    """Environment variable holding the key, for named deployments (default ``<ID>_API_KEY``)."""


class EmbeddingSpec(BaseModel):
    """What an embedding model takes: its vector size, the ``dimensions`` it accepts, its batch."""

    model_config = ConfigDict(extra="forbid")

    dimensions: int = Field(gt=0)
    """Default (and largest) vector size."""
    allowed_dimensions: list[int] | None = None
    """Exact ``dimensions`` values accepted (Titan v2: 256, 512, 1024)."""
    min_dimensions: int | None = None
    """Any ``dimensions`` from this to ``dimensions`` is accepted (OpenAI text-embedding-3, Gemini)."""
    max_batch: int = Field(default=2048, gt=0)
    """Inputs per upstream call; larger requests are split and joined in order."""
    token_arrays: bool = False
    """Whether ``input`` may be token ids (OpenAI only)."""


class ImageSpec(BaseModel):
    """What an image model takes. Sizes and qualities are the keys of ``pricing.per_image``."""

    model_config = ConfigDict(extra="forbid")

    default_size: str
    default_quality: str
    max_n: int = Field(default=1, gt=0)
    params: list[str] = []
    """Optional parameters accepted beyond prompt/n/size/quality (``background``, ``output_format``, ``style``)."""
    response_formats: list[str] = ["b64_json"]
    """``url`` only where the provider returns one."""


class AudioSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response_formats: list[str]
    params: list[str] = ["language", "prompt", "temperature"]


class ModelInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    owned_by: str
    created: int
    context_window: int = Field(gt=0)
    max_output_tokens: int = Field(gt=0)
    tier: Tier
    capabilities: list[str]
    pricing: Pricing
    providers: list[ServedBy] = Field(min_length=1)
    unsupported_params: list[str] = []
    """Parameters the model itself refuses whoever serves it (e.g. temperature on reasoning models)."""
    profile: str | None = None
    """Name of the model's semantic-routing profile, where it has one."""
    aliases: list[str] = []
    embedding: EmbeddingSpec | None = None
    image: ImageSpec | None = None
    audio: AudioSpec | None = None
    status: Status = "active"
    """``deprecated``: the provider announced a shutdown; ``retired``: the provider no longer
    serves it (kept because routing profiles were measured on it; requests will fail upstream)."""


def _check_kind(m: ModelInfo) -> None:
    """A model serving embeddings, images or transcription carries what that path needs."""
    caps = set(m.capabilities)
    if "embeddings" in caps and m.embedding is None:
        raise ValueError(f"embedding model {m.id!r} has no `embedding` spec")
    if "images" in caps:
        if m.image is None or not m.pricing.per_image:
            raise ValueError(f"image model {m.id!r} needs an `image` spec and `pricing.per_image`")
        if f"{m.image.default_quality}/{m.image.default_size}" not in m.pricing.per_image:
            raise ValueError(f"image model {m.id!r}: its default quality/size has no price")
    if "audio_transcription" in caps and (m.audio is None or m.pricing.per_minute is None):
        raise ValueError(f"transcription model {m.id!r} needs an `audio` spec and `pricing.per_minute`")


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prices_as_of: date
    sources: list[str]
    providers: dict[str, ProviderInfo]
    models: list[ModelInfo]
    _index: dict[str, ModelInfo] = PrivateAttr(default_factory=dict)
    """Model id or alias -> model, built once the references check out."""

    @model_validator(mode="after")
    def _check_references(self) -> Catalog:
        seen: set[str] = set()
        for m in self.models:
            for name in (m.id, *m.aliases):
                if name in seen:
                    raise ValueError(f"model id or alias {name!r} appears twice")
                seen.add(name)
            for s in m.providers:
                if s.provider not in self.providers:
                    raise ValueError(f"model {m.id!r} names unknown provider {s.provider!r}")
            _check_kind(m)
        for pid, p in self.providers.items():
            if pid != p.id:
                raise ValueError(f"provider key {pid!r} does not match its id {p.id!r}")
        self._index = {n: m for m in self.models for n in (m.id, *m.aliases)}
        return self

    def model(self, model_id: str) -> ModelInfo:
        found = self._index.get(model_id)
        if found is None:
            raise ModelNotFoundError(model_id)
        return found

    def find(self, model_id: str) -> ModelInfo | None:
        return self._index.get(model_id)

    def served_by(self, model: ModelInfo, provider_id: str) -> ServedBy | None:
        return next((s for s in model.providers if s.provider == provider_id), None)

    def pricing(self, model: ModelInfo, served: ServedBy) -> Pricing:
        return served.pricing or model.pricing

    def accepted_params(self, model: ModelInfo, served: ServedBy) -> frozenset[str]:
        base = served.params if served.params is not None else self.providers[served.provider].params
        return frozenset(base) - frozenset(model.unsupported_params)


# A named deployment takes the OpenAI parameters a typical vLLM/Ollama/LM Studio server accepts.
_DEPLOYMENT_PARAMS = [
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "user",
    "response_format",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "functions",
    "function_call",
    "stream_options",
]


def merge_deployments(data: dict[str, Any], deployments: list[dict[str, Any]]) -> dict[str, Any]:
    """The catalog with each named OpenAI-compatible deployment (``GATEWAY_DEPLOYMENTS``) added.

    A deployment becomes a provider (adapter ``openai``) and serves each of its ``models``
    (a name, or ``{"id", "model"?, "context_window"?, "max_output_tokens"?, "pricing"?,
    "embedding"?}``; with ``embedding`` (an ``EmbeddingSpec``) the model serves ``/v1/embeddings``):
    a model the catalog already has gains the deployment as its last provider; a new one is
    added, priced at zero unless given ``pricing`` (self-hosted). ``<deployment>/<model>``
    then reaches it.
    """
    if not deployments:
        return data
    data = {**data, "providers": dict(data["providers"]), "models": [dict(m) for m in data["models"]]}
    index = {n: m for m in data["models"] for n in (m["id"], *m.get("aliases", ()))}
    for d in deployments:
        pid = d["id"]
        if pid in data["providers"]:
            raise ValueError(f"deployment id {pid!r} is already a provider")
        data["providers"][pid] = {
            "id": pid,
            "name": d.get("name", pid),
            "adapter": d.get("adapter", "openai"),
            "base_url": d["base_url"],
            "params": d.get("params", _DEPLOYMENT_PARAMS),
            "api_key_env": d.get("api_key_env"),
        }
        for entry in d.get("models") or ():
            spec = {"id": entry} if isinstance(entry, str) else dict(entry)
            served = {"provider": pid, "model": spec.get("model", spec["id"])}
            if spec.get("pricing"):
                served["pricing"] = spec["pricing"]
            model = index.get(spec["id"])
            if model is not None:
                model["providers"] = [*model["providers"], served]
                continue
            model = {
                "id": spec["id"],
                "owned_by": pid,
                "created": 0,
                "context_window": spec.get("context_window", 8192),
                "max_output_tokens": spec.get("max_output_tokens", 4096),
                "tier": spec.get("tier", "cheap"),
                "capabilities": ["chat-completion", "streaming", "tools"],
                "pricing": spec.get("pricing") or {"input": 0, "output": 0},
                "providers": [served],
            }
            if spec.get("embedding"):  # an embedding model: {"embedding": {"dimensions": 768, ...}}
                model.update(capabilities=["embeddings"], embedding=spec["embedding"], max_output_tokens=1)
            data["models"].append(model)
            index[spec["id"]] = model
    return data


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    from gateway.settings import get_settings

    data = merge_deployments(json.loads(CATALOG_PATH.read_text()), get_settings().deployments)
    return Catalog.model_validate(data)

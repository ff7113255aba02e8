"""Embedding adapters: one shape, pure transforms over the one transport (``providers/transport``).

    build_request(batch, target) -> ProviderRequest   one upstream call for one batch of inputs
    parse_response(body, target) -> Embedded          vectors in input order, tokens if reported
    map_error(status, body, headers) -> GatewayError  the provider's own error reading (chat's)

Batches are cut by ``completion``'s caller at the model's ``embedding.max_batch`` (catalog).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.base import ProviderRequest


@dataclass(frozen=True, slots=True)
class EmbeddingBatch:
    inputs: list[str | list[int]]
    dimensions: int | None = None
    user: str | None = None


@dataclass(slots=True)
class Embedded:
    vectors: list[list[float]]
    prompt_tokens: int | None
    """Input tokens as the provider counted them; None when it does not say (then estimated)."""


class EmbeddingAdapter(Protocol):
    id: str

    def build_request(self, batch: EmbeddingBatch, target: Target) -> ProviderRequest: ...

    def parse_response(self, body: Any, target: Target) -> Embedded: ...

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError: ...


def vectors_of(items: list[Any], key: str, count: int) -> list[list[float]]:
    """Vectors from ``items`` (each a dict with ``key``), checked to be ``count`` lists of numbers."""
    out = [[float(x) for x in (item[key] if isinstance(item, dict) else item)] for item in items]
    if len(out) != count:
        raise ValueError(f"{len(out)} embeddings for {count} inputs")
    return out


__all__ = ["Embedded", "EmbeddingAdapter", "EmbeddingBatch", "vectors_of"]

"""Mistral ``POST /v1/embeddings`` (docs.mistral.ai/api/endpoint/embeddings): OpenAI's shape, but
``output_dimension`` for ``dimensions``, and no ``encoding_format`` or ``user`` (it refuses
unknown fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.providers.embeddings.openai import OpenAIEmbeddings
from gateway.providers.mistral import adapter as chat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.embeddings import EmbeddingBatch


class MistralEmbeddings(OpenAIEmbeddings):
    id = "mistral"
    dimensions_field = "output_dimension"

    def build_body(self, batch: EmbeddingBatch, target: Target) -> dict[str, Any]:
        body = super().build_body(batch, target)
        body.pop("encoding_format", None)
        body.pop("user", None)
        return body

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = MistralEmbeddings()

"""OpenAI ``POST /embeddings``, and every server that speaks it (Together, named deployments).

Floats are always asked for: ``encoding_format: base64`` is the gateway's own encoding of
them (``api/embeddings.py``), so every provider answers it the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.providers.base import ProviderRequest
from gateway.providers.embeddings import Embedded, EmbeddingBatch, vectors_of
from gateway.providers.openai_compat import adapter as chat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError


class OpenAIEmbeddings:
    id = "openai"
    dimensions_field = "dimensions"

    def build_body(self, batch: EmbeddingBatch, target: Target) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": target.upstream_model,
            "input": batch.inputs,
            "encoding_format": "float",
        }
        if batch.dimensions is not None:
            body[self.dimensions_field] = batch.dimensions
        if batch.user is not None:
            body["user"] = batch.user
        return body

    def build_request(self, batch: EmbeddingBatch, target: Target) -> ProviderRequest:
        return ProviderRequest(
            url=target.settings.base_url + "/embeddings",
            headers=chat.headers(target),
            json=self.build_body(batch, target),
        )

    def parse_response(self, body: Any, target: Target) -> Embedded:
        data = sorted(body["data"], key=lambda d: int(d.get("index", 0)))
        usage = body.get("usage") or {}
        tokens = usage.get("prompt_tokens")
        return Embedded(vectors_of(data, "embedding", len(data)), None if tokens is None else int(tokens))

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = OpenAIEmbeddings()

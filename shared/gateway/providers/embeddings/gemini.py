"""Gemini ``models/{model}:batchEmbedContents`` (ai.google.dev/api/embeddings).

One request per input, ``outputDimensionality`` for ``dimensions``; the answer is
``{"embeddings": [{"values": [...]}]}`` in input order, with no token count (the gateway
estimates it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import UnsupportedParamError
from gateway.providers.base import ProviderRequest
from gateway.providers.embeddings import Embedded, EmbeddingBatch, vectors_of
from gateway.providers.gemini import adapter as chat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError


class GeminiEmbeddings:
    id = "gemini"

    def build_request(self, batch: EmbeddingBatch, target: Target) -> ProviderRequest:
        name = f"models/{target.upstream_model}"
        requests = []
        for text in batch.inputs:
            if not isinstance(text, str):
                raise UnsupportedParamError("Gemini embeds text, not token ids.", param="input")
            item: dict[str, Any] = {"model": name, "content": {"parts": [{"text": text}]}}
            if batch.dimensions is not None:
                item["outputDimensionality"] = batch.dimensions
            requests.append(item)
        headers = {"content-type": "application/json"}
        if target.settings.api_key:
            headers["x-goog-api-key"] = target.settings.api_key
        return ProviderRequest(
            url=f"{target.settings.base_url}/v1beta/{name}:batchEmbedContents",
            headers=headers,
            json={"requests": requests},
        )

    def parse_response(self, body: Any, target: Target) -> Embedded:
        items = body["embeddings"]
        return Embedded(vectors_of(items, "values", len(items)), None)

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = GeminiEmbeddings()

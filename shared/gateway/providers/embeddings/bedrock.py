"""Bedrock ``InvokeModel`` for embedding models, one wire shape per model family:

- Amazon Titan Text Embeddings V2 (``amazon.titan-embed-text-v2:0``): one ``inputText`` per
  call, ``dimensions`` 256/512/1024; answers ``embedding`` and ``inputTextTokenCount``.
- Cohere Embed v3 (``cohere.embed-*``): up to 96 ``texts`` with an ``input_type``; answers
  ``embeddings``; Bedrock reports the tokens in ``X-Amzn-Bedrock-Input-Token-Count``.

The transport reads the response stream and hands over ``{"body": ..., "headers": ...}``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gateway.errors import UnsupportedParamError
from gateway.providers.base import ProviderRequest
from gateway.providers.bedrock import adapter as chat
from gateway.providers.embeddings import Embedded, EmbeddingBatch, vectors_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError

_TOKENS_HEADER = "x-amzn-bedrock-input-token-count"


def _texts(batch: EmbeddingBatch) -> list[str]:
    out = []
    for text in batch.inputs:
        if not isinstance(text, str):
            raise UnsupportedParamError("Bedrock embedding models embed text, not token ids.", param="input")
        out.append(text)
    return out


def invoke(target: Target, body: dict[str, Any]) -> ProviderRequest:
    return ProviderRequest(
        operation="invoke_model",
        kwargs={
            "modelId": target.upstream_model,
            "body": json.dumps(body),
            "contentType": "application/json",
            "accept": "application/json",
        },
    )


def _cohere(model: str) -> bool:
    return model.startswith("cohere.")


class BedrockEmbeddings:
    id = "bedrock"

    def build_request(self, batch: EmbeddingBatch, target: Target) -> ProviderRequest:
        texts = _texts(batch)
        if _cohere(target.upstream_model):
            return invoke(target, {"texts": texts, "input_type": "search_document"})
        if len(texts) != 1:
            raise ValueError("Titan embeds one input per call")  # the catalog's max_batch is 1
        body: dict[str, Any] = {"inputText": texts[0], "normalize": True}
        if batch.dimensions is not None:
            body["dimensions"] = batch.dimensions
        return invoke(target, body)

    def parse_response(self, body: Any, target: Target) -> Embedded:
        answer = body["body"]
        headers = {k.lower(): v for k, v in (body.get("headers") or {}).items()}
        if _cohere(target.upstream_model):
            vectors = answer["embeddings"]
            vectors = vectors["float"] if isinstance(vectors, dict) else vectors
            tokens = headers.get(_TOKENS_HEADER)
            return Embedded(vectors_of(vectors, "", len(vectors)), None if tokens is None else int(tokens))
        count = answer.get("inputTextTokenCount", headers.get(_TOKENS_HEADER))
        return Embedded(vectors_of([answer["embedding"]], "", 1), None if count is None else int(count))

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = BedrockEmbeddings()

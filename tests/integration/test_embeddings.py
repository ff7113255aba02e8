"""POST /v1/embeddings through the official openai SDK against the local stack: every provider
that serves embeddings, costed usage, the ledger and the report, batching, and the 4xx."""

from __future__ import annotations

import base64
import struct

import httpx
import openai
import pytest
from test_failover import usage_records

pytestmark = pytest.mark.integration

# provider -> an embedding model it serves, with its catalog input price per million tokens.
EMBEDDING_MODELS = {
    "openai": ("text-embedding-3-small", 0.02),
    "gemini": ("gemini-embedding-001", 0.15),
    "mistral": ("mistral-embed", 0.10),
    "bedrock": ("amazon.titan-embed-text-v2:0", 0.02),
    "together": ("BAAI/bge-large-en-v1.5", 0.02),
}


@pytest.mark.parametrize("provider", sorted(EMBEDDING_MODELS))
def test_embeddings_through_the_sdk_are_costed_and_recorded(stack, provider):
    model, price = EMBEDDING_MODELS[provider]
    resp = stack.openai().embeddings.with_raw_response.create(
        model=model, input=["The food was delicious", "and the waiter was kind"]
    )
    out = resp.parse()  # the SDK asked for base64 (its default) and decoded it
    assert [d.index for d in out.data] == [0, 1]
    assert all(len(d.embedding) == 8 and all(isinstance(x, float) for x in d.embedding) for d in out.data)
    assert out.data[0].embedding != out.data[1].embedding
    usage = out.usage.model_dump()
    assert usage["prompt_tokens"] > 0 and usage["total_tokens"] == usage["prompt_tokens"]
    assert usage["total_cost_usd"] == pytest.approx(usage["prompt_tokens"] * price / 1e6)
    assert resp.headers["x-gateway-provider"] == provider
    records = usage_records(stack, resp.headers["x-request-id"])
    assert len(records) == 1 and records[0]["status"] == "ok" and records[0]["model"] == model
    assert records[0]["prompt_tokens"] == usage["prompt_tokens"]


def test_float_and_base64_agree_and_a_string_input_works(stack):
    client = stack.openai()
    floats = client.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="float")
    with stack.http() as http:
        raw = http.post(
            "/v1/embeddings",
            json={"model": "text-embedding-3-small", "input": "hello", "encoding_format": "base64"},
            headers={"x-api-key": stack.api_key},
        ).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    decoded = list(struct.unpack(f"<{len(packed) // 4}f", packed))
    assert decoded == pytest.approx(floats.data[0].embedding, abs=1e-6)


def test_batches_beyond_the_provider_limit_are_split_and_joined_in_order(stack):
    """Titan embeds one input per call (catalog max_batch 1): three inputs are three calls."""
    before = stack.sim_stats().get("bedrock", 0)
    texts = ["alpha", "beta", "gamma"]
    out = stack.openai().embeddings.create(model="amazon.titan-embed-text-v2:0", input=texts)
    assert stack.sim_stats().get("bedrock", 0) == before + 3
    singles = [stack.openai().embeddings.create(model="amazon.titan-embed-text-v2:0", input=t) for t in texts]
    assert [d.embedding for d in out.data] == [s.data[0].embedding for s in singles]


def test_dimensions_where_the_model_takes_them(stack):
    out = stack.openai().embeddings.create(model="text-embedding-3-small", input="hi", dimensions=16)
    assert len(out.data[0].embedding) == 16
    titan = stack.openai().embeddings.create(model="amazon.titan-embed-text-v2:0", input="hi", dimensions=256)
    assert len(titan.data[0].embedding) == 256


def test_documented_4xx(stack):
    client = stack.openai()
    with pytest.raises(openai.BadRequestError) as err:  # mistral-embed has one size
        client.embeddings.create(model="mistral-embed", input="hi", dimensions=256)
    assert err.value.body["param"] == "dimensions" and err.value.body["code"] == "unsupported_parameter"
    with pytest.raises(openai.BadRequestError) as err:  # Titan takes 256, 512 or 1024
        client.embeddings.create(model="amazon.titan-embed-text-v2:0", input="hi", dimensions=300)
    assert err.value.body["param"] == "dimensions" and "256, 512, 1024" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:  # a chat model
        client.embeddings.create(model="gpt-4o-mini", input="hi")
    assert err.value.body["code"] == "model_not_supported"
    with pytest.raises(openai.BadRequestError) as err:
        client.embeddings.create(model="text-embedding-3-small", input="hi", extra_body={"temperature": 1})
    assert err.value.body["code"] == "unknown_parameter" and err.value.body["param"] == "temperature"
    with pytest.raises(openai.BadRequestError) as err:  # token ids only where the model takes them
        client.embeddings.create(model="gemini-embedding-001", input=[[1, 2, 3]])
    assert err.value.body["param"] == "input"
    tokens = client.embeddings.create(model="text-embedding-3-small", input=[[1, 2, 3]])
    assert tokens.usage.prompt_tokens == 3


def test_dropped_dimensions_with_drop_params(stack):
    with stack.http() as http:
        r = http.post(
            "/v1/embeddings",
            json={"model": "mistral-embed", "input": "hi", "dimensions": 256, "drop_params": True},
            headers={"x-api-key": stack.api_key},
        )
    assert r.status_code == 200 and r.headers["x-gateway-dropped-params"] == "dimensions"


def test_unauthenticated_is_401(stack):
    r = httpx.post(stack.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
    assert r.status_code == 401

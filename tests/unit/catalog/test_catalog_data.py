"""The shipped catalog.json: it validates, and its data holds the facts we rely on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gateway.catalog.models import CATALOG_PATH, Catalog, get_catalog

OPENAI_PARAMS = {
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "seed",
    "user",
    "response_format",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "functions",
    "function_call",
    "stream_options",
    # Today's fields (issue 15), from the openai package's CompletionCreateParams.
    "audio",
    "metadata",
    "modalities",
    "moderation",
    "prediction",
    "prompt_cache_key",
    "prompt_cache_options",
    "prompt_cache_retention",
    "reasoning_effort",
    "safety_identifier",
    "service_tier",
    "store",
    "verbosity",
    "web_search_options",
}
CAPABILITIES = {
    "chat-completion",
    "text-completion",
    "streaming",
    "tools",
    "vision",
    "json-mode",
    "reasoning",
    "prompt-caching",
    "embeddings",
    "images",
    "audio_transcription",
}
ROUTERBENCH_COLUMNS = {
    "WizardLM/WizardLM-13B-V1.2",
    "claude-instant-v1",
    "claude-v1",
    "claude-v2",
    "gpt-3.5-turbo-1106",
    "gpt-4-1106-preview",
    "meta/code-llama-instruct-34b-chat",
    "meta/llama-2-70b-chat",
    "mistralai/mistral-7b-chat",
    "mistralai/mixtral-8x7b-chat",
    "zero-one-ai/Yi-34B-Chat",
}
SEED_MODELS = [
    "gpt-4o-mini",
    "gpt-4o",
    "claude-3-haiku",
    "claude-sonnet-4-20250514",
    "gemini-2.0-flash",
    "llama-3.3-70b-versatile",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.model_validate(json.loads(CATALOG_PATH.read_text()))


def _all_pricings(catalog: Catalog):
    for m in catalog.models:
        yield m.id, m.pricing
        for s in m.providers:
            if s.pricing is not None:
                yield f"{m.id}@{s.provider}", s.pricing


def test_catalog_validates_and_loads(catalog: Catalog) -> None:
    assert get_catalog().model("gpt-4o-mini").id == "gpt-4o-mini"
    assert len(catalog.models) >= 30
    assert catalog.prices_as_of.isoformat() == "2026-11-24"
    assert all(src.startswith("https://") for src in catalog.sources)


@pytest.mark.parametrize("name", SEED_MODELS)
def test_every_seed_model_is_present(catalog: Catalog, name: str) -> None:
    assert catalog.find(name) is not None, name


def test_alias_resolves_to_the_dated_id(catalog: Catalog) -> None:
    assert catalog.model("claude-3-haiku").id == "claude-3-haiku-20240307"
    assert catalog.model("nova-lite").id == "amazon.nova-lite-v1:0"
    assert catalog.model("gpt-oss-120b").id == "openai/gpt-oss-120b"


def test_providers_are_the_fixed_set_with_real_api_roots(catalog: Catalog) -> None:
    expected = {
        "openai": "https://api.openai.com/v1",
        "anthropic": "https://api.anthropic.com",
        "gemini": "https://generativelanguage.googleapis.com",
        "groq": "https://api.groq.com/openai/v1",
        "mistral": "https://api.mistral.ai/v1",
        "bedrock": "https://bedrock-runtime.{region}.amazonaws.com",
        "together": "https://api.together.xyz/v1",
    }
    assert {pid: p.base_url for pid, p in catalog.providers.items()} == expected
    for pid, p in catalog.providers.items():
        # Together speaks the OpenAI API as it is: the plain OpenAI adapter, no module of its own.
        assert p.adapter == ("openai" if pid == "together" else pid)


def test_every_provider_serves_at_least_one_model(catalog: Catalog) -> None:
    served = {s.provider for m in catalog.models for s in m.providers}
    assert served == set(catalog.providers)


def test_param_names_come_from_the_openai_list(catalog: Catalog) -> None:
    for p in catalog.providers.values():
        assert set(p.params) <= OPENAI_PARAMS, p.id
        if "tools" in p.params:
            assert {"functions", "function_call", "tool_choice"} <= set(p.params), p.id
    for m in catalog.models:
        assert set(m.unsupported_params) <= OPENAI_PARAMS, m.id
        assert set(m.capabilities) <= CAPABILITIES, m.id
        for s in m.providers:
            assert s.params is None or set(s.params) <= OPENAI_PARAMS


def test_provider_params_match_their_apis(catalog: Catalog) -> None:
    p = {pid: set(info.params) for pid, info in catalog.providers.items()}
    assert p["openai"] == OPENAI_PARAMS
    # Anthropic Messages: no n, penalties, logit_bias, seed or logprobs.
    assert not p["anthropic"] & {
        "n",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "seed",
        "logprobs",
        "top_logprobs",
    }
    # Groq answers 400 to logprobs / logit_bias / top_logprobs and to n != 1.
    assert not p["groq"] & {"logprobs", "logit_bias", "top_logprobs", "n"}
    # Mistral has no logit_bias (seed is sent as random_seed).
    assert "logit_bias" not in p["mistral"] and "seed" in p["mistral"]
    # Gemini generationConfig: candidateCount, penalties, seed, stopSequences.
    assert {"n", "presence_penalty", "frequency_penalty", "seed", "stop"} <= p["gemini"]
    # Bedrock Converse: inferenceConfig maxTokens/temperature/topP/stopSequences, tools via toolConfig.
    assert p["bedrock"] == {
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "tools",
        "tool_choice",
        "functions",
        "function_call",
        "stream_options",
    }


def test_openai_reasoning_models_take_only_max_completion_tokens(catalog: Catalog) -> None:
    for name in ["o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano"]:
        m = catalog.model(name)
        assert {"temperature", "top_p", "max_tokens", "logit_bias"} <= set(m.unsupported_params), name
        accepted = catalog.accepted_params(m, m.providers[0])
        assert "max_completion_tokens" in accepted and "max_tokens" not in accepted
        assert "reasoning" in m.capabilities
    assert not catalog.model("gpt-4o").unsupported_params


def test_cached_input_never_exceeds_input(catalog: Catalog) -> None:
    for name, p in _all_pricings(catalog):
        if p.cached_input is not None:
            assert p.cached_input <= p.input, name
        # Embedding models have no output tokens (their output price is 0).
        assert p.output >= p.input or catalog.model(name.split("@")[0]).embedding is not None, name


def test_cache_write_only_on_anthropic_models(catalog: Catalog) -> None:
    for name, p in _all_pricings(catalog):
        model = catalog.model(name.split("@")[0])
        if p.cache_write is not None:
            assert model.owned_by == "anthropic", name
            assert p.cache_write >= p.input, name  # 5-minute writes cost 1.25x input


def test_tiers_follow_the_output_price_thresholds(catalog: Catalog) -> None:
    for m in catalog.models:
        if "chat-completion" not in m.capabilities:
            continue  # embeddings, images, transcription: not priced per output token
        out = m.pricing.output
        want = "cheap" if out <= 1 else "premium" if out >= 10 else "mid"
        assert m.tier == want, m.id


def test_created_is_a_plausible_release_time(catalog: Catalog) -> None:
    lo = datetime(2023, 1, 1, tzinfo=UTC).timestamp()
    hi = datetime(2026, 11, 25, tzinfo=UTC).timestamp()
    for m in catalog.models:
        assert lo <= m.created <= hi, m.id
        assert m.max_output_tokens <= m.context_window, m.id


def test_profiles_name_routerbench_columns(catalog: Catalog) -> None:
    for m in catalog.models:
        if m.profile is not None:
            assert m.profile in ROUTERBENCH_COLUMNS, m.id


def test_every_shipped_profile_has_a_catalog_model(catalog: Catalog) -> None:
    from gateway.semantic_routing import ARTIFACTS_DIR

    shipped = json.loads((ARTIFACTS_DIR / "profiles.json").read_text())["models"]
    profiled = {m.profile: m for m in catalog.models if m.profile is not None}
    # A profile belongs to the model whose `profile` names it, else to the model of that id.
    assert all(name in profiled or catalog.find(name) is not None for name in shipped)
    # RouterBench's models have all been retired by their providers since; the profiles
    # counted on recorded outcomes of current models belong to active ones.
    for name, entry in shipped.items():
        status = (profiled.get(name) or catalog.model(name)).status
        assert status == ("retired" if "routerbench" in entry["source"] else "active"), name
    assert {m.status for m in catalog.models if m.profile is None} == {"active"}


# Spot checks: each figure was confirmed against two sources (the provider's published
# price and the litellm / models.dev compilations).
@pytest.mark.parametrize(
    ("name", "provider", "expected"),
    [
        ("gpt-4o-mini", "openai", {"input": 0.15, "output": 0.6, "cached_input": 0.075}),
        ("gpt-4.1", "openai", {"input": 2.0, "output": 8.0, "cached_input": 0.5}),
        (
            "claude-sonnet-4-20250514",
            "anthropic",
            {"input": 3.0, "output": 15.0, "cached_input": 0.3, "cache_write": 3.75},
        ),
        (
            "claude-3-haiku",
            "anthropic",
            {"input": 0.25, "output": 1.25, "cached_input": 0.03, "cache_write": 0.3},
        ),
        ("claude-3-haiku", "bedrock", {"input": 0.25, "output": 1.25}),
        (
            "claude-haiku-5-5",
            "anthropic",
            {"input": 0.1, "output": 0.5, "cached_input": 0.01, "cache_write": 0.125},
        ),
        ("gemini-2.0-flash", "gemini", {"input": 0.1, "output": 0.4, "cached_input": 0.025}),
        ("gemini-2.5-flash", "gemini", {"input": 0.3, "output": 2.5, "cached_input": 0.03}),
        ("llama-3.3-70b-versatile", "groq", {"input": 0.59, "output": 0.79}),
        ("llama-3.3-70b-versatile", "bedrock", {"input": 0.72, "output": 0.72}),
        ("openai/gpt-oss-120b", "groq", {"input": 0.15, "output": 0.6, "cached_input": 0.075}),
        ("mistral-large-latest", "mistral", {"input": 0.5, "output": 1.5, "cached_input": 0.05}),
        ("nova-micro", "bedrock", {"input": 0.035, "output": 0.14, "cached_input": 0.00875}),
        # RouterBench's models at their last list prices (litellm's price map, provider pages).
        ("gpt-4-1106-preview", "openai", {"input": 10.0, "output": 30.0}),
        ("claude-instant-v1", "bedrock", {"input": 0.8, "output": 2.4}),
        ("meta/llama-2-70b-chat", "bedrock", {"input": 1.95, "output": 2.56}),
        ("mistralai/mixtral-8x7b-chat", "mistral", {"input": 0.7, "output": 0.7}),
        ("zero-one-ai/Yi-34B-Chat", "together", {"input": 0.8, "output": 0.8}),
    ],
)
def test_spot_check_prices(catalog: Catalog, name: str, provider: str, expected: dict) -> None:
    model = catalog.model(name)
    served = catalog.served_by(model, provider)
    assert served is not None, f"{name} is not served by {provider}"
    got = catalog.pricing(model, served).model_dump(exclude_none=True)
    assert got == pytest.approx(expected), f"{name}@{provider}"


def test_multi_provider_models_keep_a_sensible_order(catalog: Catalog) -> None:
    # The vendor first where it still serves the model ...
    assert [s.provider for s in catalog.model("claude-3-haiku").providers] == ["anthropic", "bedrock"]
    sonnet4 = catalog.model("claude-sonnet-4-20250514")
    assert [s.provider for s in sonnet4.providers] == ["anthropic", "bedrock"]
    assert sonnet4.providers[1].model == "us.anthropic.claude-sonnet-4-20250514-v1:0"
    # ... and Bedrock ahead of Groq for Llama 3.3, which Groq decommissioned on 2026-08-16.
    assert [s.provider for s in catalog.model("llama-3.3-70b-versatile").providers] == ["bedrock", "groq"]


def test_catalog_json_is_plain_json() -> None:
    raw = json.loads(CATALOG_PATH.read_text())
    assert set(raw) == {"prices_as_of", "sources", "providers", "models"}


def test_every_embedding_image_and_transcription_model_has_an_adapter_and_a_dated_price():
    from gateway.providers.registry import work_adapter_ids

    catalog = get_catalog()
    for kind in ("embeddings", "images", "audio_transcription"):
        models = [m for m in catalog.models if kind in m.capabilities]
        assert models, kind
        for m in models:
            assert "chat-completion" not in m.capabilities, m.id
            assert m.pricing.source and m.pricing.source.startswith("https://"), m.id
            assert m.pricing.as_of is not None, m.id
            for s in m.providers:
                assert catalog.providers[s.provider].adapter in work_adapter_ids(kind), (
                    kind,
                    m.id,
                    s.provider,
                )


def test_a_named_deployment_can_serve_embeddings():
    from gateway.catalog.models import merge_deployments

    raw = json.loads(CATALOG_PATH.read_text())
    merged = merge_deployments(
        raw,
        [
            {
                "id": "tei",
                "base_url": "http://tei:8080/v1",
                "models": [
                    {"id": "bge-m3", "embedding": {"dimensions": 1024, "max_batch": 32}},
                    "text-embedding-3-small",
                ],
            }
        ],
    )
    catalog = Catalog.model_validate(merged)
    bge = catalog.model("bge-m3")
    assert bge.capabilities == ["embeddings"] and bge.embedding.max_batch == 32
    assert [s.provider for s in catalog.model("text-embedding-3-small").providers] == ["openai", "tei"]

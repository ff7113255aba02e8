"""The gateway through the official openai SDK, over HTTP against the local stack."""

from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.integration


def test_chat_completion_carries_costed_usage(stack):
    client = stack.openai()
    resp = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello there"}]
    )
    completion = resp.parse()
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage.model_dump()
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    # gpt-4o-mini: $0.15 / $0.60 per million tokens (catalog), so cost is exact arithmetic.
    assert usage["input_cost_usd"] == pytest.approx(usage["prompt_tokens"] * 0.15e-6)
    assert usage["output_cost_usd"] == pytest.approx(usage["completion_tokens"] * 0.60e-6)
    assert usage["total_cost_usd"] == pytest.approx(usage["input_cost_usd"] + usage["output_cost_usd"])
    assert usage["latency_ms"] > 0 and usage["ttft_ms"] > 0
    assert resp.headers["x-gateway-provider"] == "openai"
    assert resp.headers["x-gateway-model"] == "gpt-4o-mini"
    assert float(resp.headers["x-gateway-cost"]) == pytest.approx(usage["total_cost_usd"])
    assert completion.model_extra["provider"] == "openai"


def test_streaming_ends_with_usage_chunk(stack):
    client = stack.openai()
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Stream please"}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Simulated reply")
    finals = [c for c in chunks if c.usage is not None]
    assert len(finals) == 1 and chunks[-1] is finals[0]
    usage = finals[0].usage.model_dump()
    assert usage["completion_tokens"] > 0
    assert usage["total_cost_usd"] > 0 and usage["ttft_ms"] <= usage["latency_ms"]
    assert any(c.choices and c.choices[0].finish_reason == "stop" for c in chunks)


def test_legacy_completions(stack):
    client = stack.openai()
    completion = client.completions.create(
        model="gpt-4o-mini", prompt="The capital of France is", max_tokens=50
    )
    assert completion.object == "text_completion"
    assert completion.choices[0].text
    assert completion.usage.model_extra["total_cost_usd"] > 0
    streamed = list(client.completions.create(model="gpt-4o-mini", prompt="Say hi", stream=True))
    assert "".join(c.choices[0].text for c in streamed if c.choices)
    assert streamed[-1].usage is not None


def test_models_list_has_pricing(stack):
    models = {m.id: m for m in stack.openai().models.list()}
    assert "gpt-4o-mini" in models
    pricing = models["gpt-4o-mini"].model_extra["pricing"]
    assert pricing["input"] == pytest.approx(0.15e-6) and pricing["currency"] == "USD"


def test_bad_key_is_401(stack):
    with pytest.raises(openai.AuthenticationError) as exc:
        stack.openai(api_key="gw_live_nottherightkey_" + "x" * 43).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert exc.value.status_code == 401
    assert exc.value.body["code"] == "invalid_api_key"


def test_unknown_model_is_404_naming_it(stack):
    with pytest.raises(openai.NotFoundError) as exc:
        stack.openai().chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert exc.value.body["code"] == "model_not_found"
    assert "no-such-model" in exc.value.body["message"]


def test_schema_violation_is_400_naming_field(stack):
    with pytest.raises(openai.BadRequestError) as exc:
        stack.openai().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], temperature=5
        )
    assert exc.value.body["param"] == "temperature"

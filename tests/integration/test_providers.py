"""Every simulated provider through the local stack with only the openai SDK: plain, streamed,
and a full tool round trip (tool call, tool result, final answer), streaming and not."""

from __future__ import annotations

import json

import pytest
from _streams import SIMULATED_MODELS, assemble

pytestmark = pytest.mark.integration

MODELS = SIMULATED_MODELS
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _collect(stream) -> tuple[str, dict[int, dict], str | None, object]:
    got = assemble(stream)
    return got["text"], got["calls"], got["finish"], got["usage"]


@pytest.mark.parametrize("provider", sorted(MODELS))
def test_plain_and_streamed(sim, provider):
    client, model = sim.openai(), f"{provider}/{MODELS[provider]}"
    resp = client.chat.completions.with_raw_response.create(
        model=model,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}],
    )
    completion = resp.parse()
    assert resp.headers["x-gateway-provider"] == provider
    assert completion.choices[0].message.content.startswith("Simulated reply to: Hello there")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    assert completion.usage.model_extra["total_cost_usd"] > 0

    text, _, finish, usage = _collect(
        client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Stream please"}], stream=True
        )
    )
    assert text == "Simulated reply to: Stream please. This answer is deterministic and costs real tokens."
    assert finish == "stop"
    # The provider's own usage, not the gateway's estimate: the same counts as the non-streamed call.
    assert usage.completion_tokens == completion.usage.completion_tokens
    assert usage.model_extra["total_cost_usd"] > 0


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize("provider", sorted(MODELS))
def test_tool_round_trip(sim, provider, stream):
    client, model = sim.openai(), f"{provider}/{MODELS[provider]}"
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    if stream:
        _, calls, finish, usage = _collect(
            client.chat.completions.create(model=model, messages=messages, tools=[WEATHER], stream=True)
        )
        assert usage is not None and usage.completion_tokens > 0
        call = calls[0]
    else:
        first = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
        finish, tc = first.choices[0].finish_reason, first.choices[0].message.tool_calls[0]
        call = {"id": tc.id, "name": tc.function.name, "arguments": tc.function.arguments}
    assert finish == "tool_calls"
    assert call["name"] == "get_weather" and call["id"]
    assert json.loads(call["arguments"]) == {"city": "Paris"}

    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call["arguments"]},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temperature_c": 21}'},
    ]
    if stream:
        text, _, finish, _ = _collect(
            client.chat.completions.create(model=model, messages=messages, tools=[WEATHER], stream=True)
        )
    else:
        final = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
        text, finish = final.choices[0].message.content, final.choices[0].finish_reason
    assert finish == "stop"
    assert text.startswith("The tool answered:") and "21" in text


def test_legacy_functions_round_trip(sim):
    client = sim.openai()
    fn = WEATHER["function"]
    for provider in ("anthropic", "gemini"):
        model = f"{provider}/{MODELS[provider]}"
        first = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "weather in Paris?"}],
            functions=[fn],
            function_call={"name": "get_weather"},
        )
        msg = first.choices[0].message
        assert first.choices[0].finish_reason == "function_call"
        assert msg.function_call.name == "get_weather" and not msg.tool_calls
        final = client.chat.completions.create(
            model=model,
            functions=[fn],
            messages=[
                {"role": "user", "content": "weather in Paris?"},
                {"role": "assistant", "content": None, "function_call": msg.function_call.model_dump()},
                {"role": "function", "name": "get_weather", "content": "sunny"},
            ],
        )
        assert final.choices[0].message.content.startswith("The tool answered:")
        assert "sunny" in final.choices[0].message.content
        chunks = list(
            client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": "weather?"}],
                functions=[fn],
                function_call={"name": "get_weather"},
                stream=True,
            )
        )
        deltas = [ch.delta.function_call for c in chunks for ch in c.choices if ch.delta.function_call]
        assert deltas and deltas[0].name == "get_weather"
        assert json.loads("".join(d.arguments or "" for d in deltas)) == {"city": "Paris"}
        assert any(ch.finish_reason == "function_call" for c in chunks for ch in c.choices)


@pytest.mark.parametrize("provider", sorted(MODELS))
def test_cached_prompt_tokens_are_read_from_the_providers_own_fields_and_priced(sim, provider):
    """A long prompt sent twice: the second reports a cache read (each simulated provider in its own
    fields: prompt_tokens_details, cache_read_input_tokens, cachedContentTokenCount, cacheReadInputTokens),
    billed at the served-by price for cached input."""
    client, model = sim.openai(), f"{provider}/{MODELS[provider]}"
    prompt = (
        f"[{provider}] " + "Tell me about the long history of caching in computer systems. " * 80
    )  # > 1,024 tokens
    messages = [{"role": "user", "content": prompt}]
    first = client.chat.completions.create(model=model, messages=messages).usage.model_dump()
    second = client.chat.completions.create(model=model, messages=messages).usage.model_dump()
    assert not (first.get("prompt_tokens_details") or {}).get("cached_tokens")
    cached = second["prompt_tokens_details"]["cached_tokens"]
    assert cached > 0 and cached % 128 == 0 and cached <= second["prompt_tokens"] == first["prompt_tokens"]
    with sim.http() as http:
        listed = http.get(
            "/v1/providers",
            params={"model": MODELS[provider]},
            headers={"authorization": f"Bearer {sim.api_key}"},
        ).json()
    price = next(p for p in listed["providers"] if p["id"] == provider)["params"]["pricing"]
    assert second["cache_input_cost_usd"] == pytest.approx(cached * price["cached_input"], rel=1e-6)
    assert second["input_cost_usd"] == pytest.approx(
        (second["prompt_tokens"] - cached) * price["input"], rel=1e-6
    )

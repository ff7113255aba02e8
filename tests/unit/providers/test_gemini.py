"""providers/gemini.py: fixtures from the generateContent reference."""

from __future__ import annotations

import json

import pytest
from _helpers import WEATHER, assemble, fixture, replay, request, sse_events, target

from gateway.errors import ContextLengthError
from gateway.providers.gemini import adapter

FLASH = "gemini/gemini-2.0-flash"


def test_request_shape():
    req = request(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_9", "content": '{"temp_c": 21}'},
            {"role": "tool", "tool_call_id": "call_9", "content": "plain text"},
        ],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        temperature=0.2,
        top_p=0.9,
        max_tokens=50,
        stop="END",
        n=2,
        presence_penalty=0.5,
        frequency_penalty=0.1,
        seed=7,
    )
    preq = adapter.build_request(req, target(FLASH))
    assert (
        preq.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent"
    )
    assert preq.headers["x-goog-api-key"] == "key-gemini"
    body = preq.json
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["contents"][1]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    ]
    assert body["contents"][2]["parts"] == [
        {"functionResponse": {"name": "get_weather", "response": {"temp_c": 21}}},
        {"functionResponse": {"name": "get_weather", "response": {"result": "plain text"}}},
    ]
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather in a city",
                    "parametersJsonSchema": WEATHER["function"]["parameters"],
                }
            ]
        }
    ]
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "candidateCount": 2,
        "presencePenalty": 0.5,
        "frequencyPenalty": 0.1,
        "seed": 7,
        "maxOutputTokens": 50,
        "stopSequences": ["END"],
    }


def test_streaming_url_and_json_mode():
    preq = adapter.build_request(request(stream=True, response_format={"type": "json_object"}), target(FLASH))
    assert preq.url.endswith("/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
    assert preq.json["generationConfig"] == {"responseMimeType": "application/json"}


@pytest.mark.parametrize(("choice", "mode"), [("auto", "AUTO"), ("none", "NONE"), ("required", "ANY")])
def test_tool_choice_modes(choice, mode):
    body = adapter.build_request(request(tools=[WEATHER], tool_choice=choice), target(FLASH)).json
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": mode}}


def test_function_call_response_and_thoughts_count_as_output():
    result = adapter.parse_response(fixture("gemini", "response_function_call.json"), target(FLASH))
    choice = result.completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls] == [
        ("call_0_0", "get_weather", {"city": "Paris"}),
        ("call_0_1", "get_time", {"tz": "CET"}),
    ]
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (120, 18 + 22)


def test_cached_tokens_thought_parts_hidden_and_max_tokens():
    result = adapter.parse_response(fixture("gemini", "response_cached.json"), target(FLASH))
    choice = result.completion.choices[0]
    assert choice.message.content == "Paris is the capital of France."
    assert choice.finish_reason == "length"
    assert (result.usage.prompt_tokens, result.usage.cached_tokens) == (2100, 2048)


def test_blocked_prompt_is_content_filter():
    choice = adapter.parse_response(
        fixture("gemini", "response_blocked.json"), target(FLASH)
    ).completion.choices[0]
    assert choice.finish_reason == "content_filter" and choice.message.content is None


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
    ],
)
def test_finish_reasons(reason, expected):
    body = fixture("gemini", "response_cached.json")
    body["candidates"][0]["finishReason"] = reason
    assert adapter.parse_response(body, target(FLASH)).completion.choices[0].finish_reason == expected


def test_stream_text_then_whole_function_call_and_last_usage_wins():
    chunks, state = replay(adapter, sse_events("gemini", "stream.txt"))
    got = assemble(chunks)
    assert got["text"] == "Let me check."
    assert got["calls"] == {0: {"id": "call_0_0", "name": "get_weather", "arguments": '{"city": "Paris"}'}}
    assert got["finish"] == "tool_calls"
    u = state.usage
    assert (u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.reported) == (30, 20, 16, True)


def test_errors():
    assert isinstance(adapter.map_error(400, fixture("gemini", "error_context.json"), {}), ContextLengthError)
    quota = adapter.map_error(429, fixture("gemini", "error_quota.json"), {})
    assert quota.retryable and quota.code == "upstream_rate_limited"

"""providers/anthropic.py: fixtures from the Messages API reference; bodies checked against the anthropic SDK's types."""

from __future__ import annotations

import json

import pytest
from _helpers import WEATHER, assemble, fixture, replay, request, sse_events, target
from _typed import Mismatch, check
from anthropic.types.message_create_params import (
    MessageCreateParamsNonStreaming,
    MessageCreateParamsStreaming,
)

from gateway.errors import ContextLengthError, UnsupportedParamError, UpstreamError
from gateway.providers.anthropic import DEFAULT_MAX_TOKENS, adapter

HAIKU_3 = "anthropic/claude-3-haiku-20240307"  # max_output_tokens 4096
SONNET = "anthropic/claude-sonnet-4-5-20250929"

CONVERSATION = [
    {"role": "system", "content": "You are terse."},
    {"role": "developer", "content": "Use tools."},
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "And the time?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    },
    {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": ""}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "21C"},
    {"role": "tool", "tool_call_id": "call_2", "content": "noon"},
]


def test_request_shape_and_sdk_types():
    req = request(
        messages=CONVERSATION,
        tools=[WEATHER],
        tool_choice="required",
        parallel_tool_calls=False,
        stop=["END"],
        user="u-1",
        max_tokens=300,
    )
    preq = adapter.build_request(req, target(SONNET))
    assert preq.url == "https://api.anthropic.com/v1/messages"
    assert preq.headers["x-api-key"] == "key-anthropic" and preq.headers["anthropic-version"] == "2023-06-01"
    body = preq.json
    check(body, MessageCreateParamsNonStreaming)
    assert body["model"] == "claude-sonnet-4-5-20250929" and body["max_tokens"] == 300
    assert body["system"] == "You are terse.\n\nUse tools."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]  # same-role turns merged
    assert body["messages"][0]["content"][1]["type"] == "text"
    assert body["messages"][0]["content"][2] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
    }
    assert body["messages"][1]["content"][1:] == [
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "get_time", "input": {}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "21C"},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "noon"},
    ]
    assert body["tools"][0]["input_schema"]["required"] == ["city"]
    assert body["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert body["stop_sequences"] == ["END"] and body["metadata"] == {"user_id": "u-1"}


def test_streaming_body_matches_sdk_streaming_type():
    body = adapter.build_request(request(stream=True), target(SONNET)).json
    check(body, MessageCreateParamsStreaming)
    assert body["stream"] is True


def test_the_sdk_check_catches_a_field_the_api_dropped():
    body = adapter.build_request(request(), target(SONNET)).json
    with pytest.raises(Mismatch):
        check({**body, "temperature": 0.5}, MessageCreateParamsNonStreaming)


@pytest.mark.parametrize(("spec", "expected"), [(HAIKU_3, 4096), (SONNET, DEFAULT_MAX_TOKENS)])
def test_max_tokens_default_is_capped_by_the_model(spec, expected):
    assert adapter.build_request(request(), target(spec)).json["max_tokens"] == expected


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ({"type": "function", "function": {"name": "get_weather"}}, {"type": "tool", "name": "get_weather"}),
    ],
)
def test_tool_choice_mapping(choice, expected):
    body = adapter.build_request(request(tools=[WEATHER], tool_choice=choice), target(SONNET)).json
    assert body["tool_choice"] == expected
    check(body, MessageCreateParamsNonStreaming)


def test_json_schema_response_format_and_json_object_refused():
    rf = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {}}}}
    body = adapter.build_request(request(response_format=rf), target(SONNET)).json
    assert body["output_config"] == {
        "format": {"type": "json_schema", "schema": {"type": "object", "properties": {}}}
    }
    check(body, MessageCreateParamsNonStreaming)
    with pytest.raises(UnsupportedParamError):
        adapter.build_request(request(response_format={"type": "json_object"}), target(SONNET))


def test_tool_use_response():
    result = adapter.parse_response(fixture("anthropic", "response_tool_use.json"), target(SONNET))
    choice = result.completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "I'll check the weather in Paris."
    call = choice.message.tool_calls[0]
    assert call.id == "toolu_01A09q90qw90lq917835lq9" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (472, 89)


def test_cached_usage_sums_the_three_input_counts():
    u = adapter.parse_response(fixture("anthropic", "response_cached.json"), target(SONNET)).usage
    assert u.prompt_tokens == 21 + 188086 + 2048
    assert (u.cached_tokens, u.cache_write_tokens, u.completion_tokens) == (2048, 188086, 393)
    assert u.reported


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("something_new", "something_new"),
    ],
)
def test_finish_reasons(reason, expected):
    body = {**fixture("anthropic", "response_cached.json"), "stop_reason": reason}
    assert adapter.parse_response(body, target(SONNET)).completion.choices[0].finish_reason == expected


def test_stream_text_then_two_tool_calls_with_usage_in_two_pieces():
    chunks, state = replay(adapter, sse_events("anthropic", "stream_tool_use.txt"))
    got = assemble(chunks)
    assert got["text"] == "Okay, let's check the weather."
    assert got["calls"] == {
        0: {"id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "toolu_02", "name": "get_time", "arguments": '{"tz": "CET"}'},
    }
    assert got["finish"] == "tool_calls" and state.done
    u = state.usage
    assert (u.prompt_tokens, u.cached_tokens, u.cache_write_tokens, u.completion_tokens) == (
        1596,
        1024,
        100,
        89,
    )


def test_stream_error_event_is_retryable_overload():
    from gateway.providers.base import SSEEvent, StreamState

    ev = SSEEvent("error", json.dumps(fixture("anthropic", "error_overloaded.json")))
    with pytest.raises(UpstreamError) as exc:
        adapter.parse_stream_event(ev, StreamState(id="x", model="m", created=1))
    assert exc.value.retryable and exc.value.upstream_status == 529


def test_errors():
    assert isinstance(
        adapter.map_error(400, fixture("anthropic", "error_context.json"), {}), ContextLengthError
    )
    auth = adapter.map_error(401, fixture("anthropic", "error_auth.json"), {})
    assert auth.status == 502 and auth.code == "upstream_auth_error" and auth.retryable
    overloaded = adapter.map_error(529, fixture("anthropic", "error_overloaded.json"), {})
    assert overloaded.retryable and "Overloaded" in overloaded.message


def test_no_tool_choice_without_tools():
    body = adapter.build_request(request(parallel_tool_calls=False, tool_choice="auto"), target(SONNET)).json
    assert "tool_choice" not in body and "tools" not in body

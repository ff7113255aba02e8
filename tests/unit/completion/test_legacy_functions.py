"""legacy_functions.py: the PurAI seed's functions/function_call carried over tools and back."""

from __future__ import annotations

import pytest

from gateway.completion.legacy_functions import (
    chunk_to_legacy,
    completion_to_legacy,
    to_tools,
    uses_functions,
)
from gateway.errors import InvalidRequestError
from gateway.schemas import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest

FN = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def _req(**kw) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "m", "messages": [{"role": "user", "content": "w?"}], **kw}
    )


def test_definitions_choice_and_history_become_tools():
    req = _req(
        functions=[FN],
        function_call={"name": "get_weather"},
        messages=[
            {"role": "user", "content": "w?"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
            },
            {"role": "function", "name": "get_weather", "content": "cold"},
        ],
    )
    assert uses_functions(req)
    out = to_tools(req)
    assert out.functions is None and out.function_call is None
    assert out.tools[0].function.name == "get_weather"
    assert out.tool_choice == {"type": "function", "function": {"name": "get_weather"}}
    call = out.messages[1].tool_calls[0]
    assert out.messages[1].function_call is None and call.function.arguments == '{"city":"Oslo"}'
    assert (
        out.messages[2].role == "tool"
        and out.messages[2].tool_call_id == call.id
        and out.messages[2].name is None
    )
    assert req.functions is not None  # the original is untouched


def test_plain_requests_pass_through_and_mixing_is_refused():
    req = _req()
    assert to_tools(req) is req
    with pytest.raises(InvalidRequestError):
        to_tools(_req(functions=[FN], tools=[{"type": "function", "function": FN}]))


def test_answers_go_back_as_function_call():
    completion = ChatCompletion.model_validate(
        {
            "id": "x",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": "{}"},
                            }
                        ],
                    },
                }
            ],
        }
    )
    choice = completion_to_legacy(completion).choices[0]
    assert choice.finish_reason == "function_call" and choice.message.tool_calls is None
    assert choice.message.function_call.name == "get_weather"
    chunk = ChatCompletionChunk.model_validate(
        {
            "id": "x",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]},
                    "finish_reason": None,
                }
            ],
        }
    )
    legacy = chunk_to_legacy(chunk)
    assert (
        legacy.choices[0].delta.function_call.arguments == '{"ci'
        and legacy.choices[0].delta.tool_calls is None
    )
    assert chunk.choices[0].delta.tool_calls  # the original (used for usage estimates) is untouched

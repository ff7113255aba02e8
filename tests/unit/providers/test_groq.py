"""providers/groq.py: the differences Groq's OpenAI-compatibility page lists."""

from __future__ import annotations

import pytest
from _helpers import replay, request, sse_events, target
from _typed import check
from openai.types.chat.completion_create_params import CompletionCreateParamsStreaming

from gateway.catalog.models import get_catalog
from gateway.catalog.params import unsupported
from gateway.errors import UnsupportedParamError
from gateway.providers.groq import adapter

LLAMA = "groq/llama-3.3-70b-versatile"


def test_body_is_openai_shaped_and_asks_for_stream_usage():
    preq = adapter.build_request(request(stream=True, seed=3), target(LLAMA))
    assert preq.url == "https://api.groq.com/openai/v1/chat/completions"
    assert preq.headers["authorization"] == "Bearer key-groq"
    check(preq.json, CompletionCreateParamsStreaming)
    assert preq.json["stream_options"] == {"include_usage": True} and preq.json["seed"] == 3


def test_params_groq_rejects_are_refused_by_name():
    t = target(LLAMA)
    assert unsupported(request(logprobs=True, logit_bias={"1": 1}, top_logprobs=2, n=2), t) == [
        "logit_bias",
        "logprobs",
        "n",
        "top_logprobs",
    ]
    assert "temperature" in get_catalog().providers["groq"].params


def test_message_name_is_refused_or_dropped():
    req = request(messages=[{"role": "user", "content": "hi", "name": "bob"}])
    with pytest.raises(UnsupportedParamError) as exc:
        adapter.build_request(req, target(LLAMA))
    assert exc.value.param == "messages[0].name"
    dropped = adapter.build_request(req.model_copy(update={"drop_params": True}), target(LLAMA)).json
    assert dropped["messages"] == [{"role": "user", "content": "hi"}]


def test_stream_usage_from_x_groq():
    chunks, state = replay(adapter, sse_events("groq", "stream_x_groq.txt"))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hi"
    assert state.done and state.usage.reported
    assert (state.usage.prompt_tokens, state.usage.completion_tokens) == (40, 3)

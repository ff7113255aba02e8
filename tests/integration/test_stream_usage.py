"""Where a stream's usage goes (OpenAI's rule): on the final chunk that carries finish_reason,
unless the client asked for ``stream_options.include_usage``, which adds a last chunk with
empty ``choices``. Scripts that read ``chunk.choices[0]`` on every chunk must never crash."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

MESSAGES = [{"role": "user", "content": "Tell me about gateways"}]


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5-20251001", "gemini-2.0-flash"])
def test_a_plain_loop_over_choices_0_reads_every_chunk_and_the_cost(stack, model):
    client = stack.openai()
    text, last = [], None
    for chunk in client.chat.completions.create(model=model, messages=MESSAGES, stream=True):
        choice = chunk.choices[0]  # the naive script: no guard for an empty list
        text.append(choice.delta.content or "")
        last = chunk
    assert "".join(text)
    assert last is not None and last.choices[0].finish_reason in ("stop", "length")
    assert last.usage is not None and last.usage.completion_tokens > 0
    assert last.usage.model_extra["total_cost_usd"] > 0  # the cost still arrives


def test_include_usage_adds_a_last_chunk_with_empty_choices(stack):
    client = stack.openai()
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.model_extra["total_cost_usd"] > 0
    assert all(c.usage is None for c in chunks[:-1])
    assert any(c.choices and c.choices[0].finish_reason for c in chunks[:-1])


def test_legacy_completions_follow_the_same_rule(stack):
    client = stack.openai()
    last = None
    for chunk in client.completions.create(model="gpt-4o-mini", prompt="Say hi", max_tokens=8, stream=True):
        assert chunk.choices[0].text is not None
        last = chunk
    assert last is not None and last.choices[0].finish_reason and last.usage is not None

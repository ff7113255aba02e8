"""Today's Chat Completions fields (issue 15): accepted with their types and ranges, forwarded,
mapped or refused per target, and never a 400 for what only describes the client."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.catalog.models import get_catalog
from gateway.catalog.params import fit
from gateway.catalog.targets import resolve
from gateway.errors import UnsupportedParamError
from gateway.providers.registry import get_adapter
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings

MSGS = [{"role": "user", "content": "hi"}]


def _req(model: str, **kw: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": model, "messages": MSGS, **kw})


def _fit(model: str, drop: bool = False, **kw: object):
    target = resolve(get_catalog(), get_settings(), model)[0]
    return fit(_req(model, **kw), target, drop=drop), target


CURRENT = {
    "store": True,
    "metadata": {"team": "a"},
    "service_tier": "flex",
    "reasoning_effort": "low",
    "verbosity": "low",
    "modalities": ["text"],
    "prediction": {"type": "content", "content": "x"},
    "prompt_cache_key": "k",
    "prompt_cache_retention": "24h",
    "safety_identifier": "u-1",
    "web_search_options": {"search_context_size": "low"},
    "audio": {"format": "mp3", "voice": "alloy"},
    "moderation": {"model": "omni-moderation-latest"},
    "prompt_cache_options": {"mode": "implicit", "ttl": "30m"},
}


def test_every_current_field_reaches_openai_unchanged():
    (fitted, dropped), target = _fit("gpt-5", **CURRENT)
    assert dropped == []
    body = get_adapter(target.provider.adapter).build_request(fitted, target).json
    assert body is not None
    for name, value in CURRENT.items():
        assert body[name] == value, name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reasoning_effort", "huge"),
        ("verbosity", "loud"),
        ("service_tier", "cheap"),
        ("metadata", {"k": "v" * 513}),
        ("safety_identifier", "x" * 129),
        ("modalities", ["video"]),
        ("prediction", {"type": "content"}),
        ("store", "yes"),
        ("web_search_options", {"search_context_size": "huge"}),
    ],
)
def test_each_field_has_its_type_and_range(field: str, value: object):
    with pytest.raises(ValidationError) as exc:
        _req("gpt-5", **{field: value})
    assert exc.value.errors()[0]["loc"][0] == field


def test_a_field_outside_the_api_stays_refused():
    with pytest.raises(ValidationError) as exc:
        _req("gpt-5", stroe=True)
    assert exc.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("model", ["claude-haiku-4-5-20251001", "gemini-2.0-flash", "mistral-small-latest"])
def test_client_only_fields_are_never_a_400(model: str):
    client_only = {"store": True, "metadata": {"a": "b"}, "safety_identifier": "s", "prompt_cache_key": "k"}
    (fitted, dropped), _ = _fit(model, **client_only)
    assert dropped == []
    assert all(getattr(fitted, name) is None for name in client_only)


def test_the_default_value_is_accepted_where_the_field_is_fixed():
    (fitted, dropped), _ = _fit("gpt-5", temperature=1, top_p=1, service_tier="auto")
    assert dropped == [] and fitted.temperature is None and fitted.top_p is None
    with pytest.raises(UnsupportedParamError) as exc:
        _fit("gpt-5", temperature=0.5)
    assert exc.value.param == "temperature"


def test_a_field_the_target_cannot_take_is_refused_or_dropped():
    with pytest.raises(UnsupportedParamError) as exc:
        _fit("claude-haiku-4-5-20251001", verbosity="low")
    assert exc.value.param == "verbosity"
    (fitted, dropped), _ = _fit(
        "claude-haiku-4-5-20251001", drop=True, verbosity="low", prediction=CURRENT["prediction"]
    )
    assert dropped == ["prediction", "verbosity"] and fitted.verbosity is None


def test_reasoning_effort_needs_a_reasoning_model():
    with pytest.raises(UnsupportedParamError):
        _fit("gpt-4o-mini", reasoning_effort="high")
    (_, dropped), _ = _fit("gpt-4o-mini", reasoning_effort="none")
    assert dropped == []


def test_reasoning_effort_maps_to_anthropic_thinking():
    (fitted, _), target = _fit("claude-haiku-4-5-20251001", reasoning_effort="medium", max_tokens=1000)
    body = get_adapter("anthropic").build_request(fitted, target).json
    assert body is not None
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert body["max_tokens"] == 9192  # the answer's limit, plus the thinking budget


@pytest.mark.parametrize(
    ("model", "expected"),
    [("gemini-2.5-flash", {"thinkingBudget": 1024}), ("gemini-3.1-flash-lite", {"thinkingLevel": "low"})],
)
def test_reasoning_effort_maps_to_gemini_thinking(model: str, expected: dict[str, object]):
    (fitted, _), target = _fit(model, reasoning_effort="low")
    body = get_adapter("gemini").build_request(fitted, target).json
    assert body is not None and body["generationConfig"]["thinkingConfig"] == expected


def test_a_round_tripped_assistant_message_is_accepted_and_sent_clean():
    assistant = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "annotations": [],
        "audio": None,
        "function_call": None,
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }
    messages = [*MSGS, assistant, {"role": "tool", "tool_call_id": "call_1", "content": "42"}]
    for model in ("gpt-4o-mini", "mistral-small-latest"):
        target = resolve(get_catalog(), get_settings(), model)[0]
        req = ChatCompletionRequest.model_validate({"model": model, "messages": messages})
        body = get_adapter(target.provider.adapter).build_request(req, target).json
        assert body is not None
        assert set(body["messages"][1]) == {"role", "tool_calls"}


@pytest.mark.parametrize(
    "choice",
    [
        {"type": "function", "name": "f"},
        {"type": "function", "function": {}},
        {"type": "function", "function": {"name": "g"}},
        {"type": "custom", "custom": {"name": "f"}},
        {"type": "allowed_tools", "allowed_tools": {"mode": "sometimes", "tools": []}},
    ],
)
def test_a_malformed_tool_choice_names_the_field(choice: dict[str, object]):
    tools = [{"type": "function", "function": {"name": "f"}}]
    with pytest.raises(ValidationError) as exc:
        _req("gpt-4o-mini", tools=tools, tool_choice=choice)
    assert exc.value.errors()[0]["loc"] == ("tool_choice",)


def test_allowed_tools_is_said_plainly():
    tools = [{"type": "function", "function": {"name": n}} for n in ("f", "g")]
    choice = {"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [tools[1]]}}
    req = _req("gpt-4o-mini", tools=tools, tool_choice=choice)
    assert [t.function.name for t in req.tools or ()] == ["g"] and req.tool_choice == "required"

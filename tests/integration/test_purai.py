"""What the PurAI seed's users send and read: personalities, primaryProvider, the attempts that
failed before one answered, overwritten, calledFunctions and the error summary."""

from __future__ import annotations

import pytest

from tests.integration._accounts import admin_headers, create_key

pytestmark = pytest.mark.integration
HI = [{"role": "user", "content": "Hello"}]


def _chat(c, key: str, **body):
    return c.post("/v1/chat/completions", json={"messages": HI, **body}, headers={"x-api-key": key})


def test_personalities_are_listed_and_shipped_ones_apply(stack):
    with stack.http() as c:
        listed = c.get("/v1/personalities", headers={"x-api-key": stack.api_key}).json()["data"]
        ids = {p["id"] for p in listed}
        assert {"concise", "code-reviewer", "summarizer", "tutor"} <= ids
        summarizer = next(p for p in listed if p["id"] == "summarizer")
        assert summarizer["name"] and summarizer["description"] and summarizer["tier"] == "cheap"
        r = _chat(c, stack.api_key, personality="summarizer", model="gpt-4o-mini")
        assert r.status_code == 200, r.text
        assert r.json()["overwritten"] is True  # the personality's prompt and defaults
        plain = _chat(c, stack.api_key, model="gpt-4o-mini")
        assert plain.json()["overwritten"] is False
        assert _chat(c, stack.api_key, personality="nobody").json()["error"]["param"] == "personality"
        refused = _chat(
            c,
            stack.api_key,
            personality="code-reviewer",
            model="gpt-4o-mini",
            tools=[{"type": "function", "function": {"name": "f"}}],
        )
        assert refused.status_code == 400 and refused.json()["error"]["param"] == "tools"


def test_the_admin_creates_changes_and_deletes_personalities(stack):
    with stack.http() as c:
        body = {
            "id": "pirate",
            "name": "Pirate",
            "system_prompt": "Answer like a pirate.",
            "temperature": 0.9,
            "model": "gpt-4o-mini",
        }
        assert c.post("/v1/personalities", json=body, headers={"x-api-key": stack.api_key}).status_code == 403
        created = c.post("/v1/personalities", json=body, headers=admin_headers(stack))
        assert created.status_code == 201 and created.json()["source"] == "custom"
        r = c.patch("/v1/personalities/pirate", json={"temperature": 0.1}, headers=admin_headers(stack))
        assert r.status_code == 200 and r.json()["temperature"] == 0.1 and r.json()["name"] == "Pirate"
        used = _chat(c, stack.api_key, personality="pirate")  # its model, since the request names none
        assert used.status_code == 200 and used.json()["model"] == "gpt-4o-mini"
        assert c.delete("/v1/personalities/pirate", headers=admin_headers(stack)).status_code == 200
        assert c.delete("/v1/personalities/pirate", headers=admin_headers(stack)).status_code == 404
        assert _chat(c, stack.api_key, personality="pirate").status_code == 404


def test_primary_provider_goes_first_then_fails_over(sim):
    key = create_key(sim, "purai", free_requests=100)["key"]
    with sim.http() as c:
        first = _chat(c, key, model="llama-3.3-70b-versatile", primaryProvider="bedrock")
        assert first.status_code == 200 and first.headers["x-gateway-provider"] == "bedrock"
        sim.fault("bedrock", "status", status=503)
        over = _chat(c, key, model="llama-3.3-70b-versatile", primaryProvider="bedrock")
        assert over.status_code == 200 and over.headers["x-gateway-provider"] != "bedrock"
        # The failed attempt before the answer, in the PurAI seed's shape.
        [record] = over.json()["cache"]["error"]["records"]
        assert record["provider"] == "bedrock" and record["response"]["status"] == 503
        unknown = _chat(c, key, model="gpt-4o-mini", primaryProvider="nowhere")
        assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "primaryProvider"


def test_a_fallback_model_is_overwritten_and_every_failure_is_summarized(sim):
    key = create_key(sim, "purai-fail", free_requests=100)["key"]
    with sim.http() as c:
        sim.fault("openai", "status", status=503, count=5)
        r = _chat(c, key, model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"])
        assert r.status_code == 200 and r.json()["overwritten"] is True
        sim.clear_faults()
        for provider in ("openai", "anthropic", "bedrock"):
            sim.fault(provider, "status", status=503, count=5)
        failed = _chat(c, key, model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"])
        message = failed.json()["error"]["message"]
        assert failed.status_code == 502 and message.startswith("All ") and "is unavailable (503)" in message
        terse = _chat(
            c,
            key,
            model="gpt-4o-mini",
            fallbacks=["claude-haiku-4-5-20251001"],
            disableErrorSummarization=True,
        )
        assert terse.json()["error"]["message"].startswith("Every provider failed (")


def test_called_functions_pair_each_call_with_its_result(stack):
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    history = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, clear"},
        {"role": "user", "content": "And in Rome? Use the tool."},
    ]
    with stack.http() as c:
        r = c.post(
            "/v1/chat/completions",
            headers={"x-api-key": stack.api_key},
            json={"model": "gpt-4o-mini", "messages": history, "tools": [tool], "tool_choice": "required"},
        )
    assert r.status_code == 200, r.text
    called = r.json()["calledFunctions"]
    assert called[0] == [
        {"name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"name": "get_weather", "role": "function", "content": "18C, clear"},
    ]
    assert called[-1][0]["name"] == "get_weather" and len(called[-1]) == 1  # this turn's call

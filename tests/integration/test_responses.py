"""/v1/responses over HTTP (issue 15): stored per key, the semantic stream, and the chat-field
rules (unknown fields, drop_params, malformed tool_choice) as a client meets them."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _post(stack, path: str, body: dict, key: str | None = None):
    with stack.http() as http:
        return http.post(path, json=body, headers={"authorization": f"Bearer {key or stack.api_key}"})


def test_a_stored_response_belongs_to_its_key(stack):
    r = _post(stack, "/v1/responses", {"model": "gpt-4o-mini", "input": "Hello"})
    assert r.status_code == 200, r.text
    rid = r.json()["id"]
    other = stack.new_key("other")
    with stack.http() as http:
        assert (
            http.get(f"/v1/responses/{rid}", headers={"authorization": f"Bearer {stack.api_key}"}).status_code
            == 200
        )
        assert (
            http.get(f"/v1/responses/{rid}", headers={"authorization": f"Bearer {other}"}).status_code == 404
        )
        assert (
            http.delete(f"/v1/responses/{rid}", headers={"authorization": f"Bearer {other}"}).status_code
            == 404
        )
    follow = _post(
        stack, "/v1/responses", {"model": "gpt-4o-mini", "input": "x", "previous_response_id": rid}, other
    )
    assert follow.status_code == 404 and follow.json()["error"]["param"] == "previous_response_id"


def test_store_false_keeps_nothing(stack):
    r = _post(stack, "/v1/responses", {"model": "gpt-4o-mini", "input": "Hello", "store": False})
    assert r.status_code == 200 and r.json()["store"] is False
    with stack.http() as http:
        got = http.get(
            f"/v1/responses/{r.json()['id']}", headers={"authorization": f"Bearer {stack.api_key}"}
        )
    assert got.status_code == 404


def test_the_stream_is_the_documented_events_with_cost(stack):
    body = {
        "model": "claude-haiku-4-5-20251001",
        "input": "Weather in Paris?",
        "tools": [TOOL],
        "stream": True,
    }
    r = _post(stack, "/v1/responses", body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert "response.function_call_arguments.delta" in kinds and kinds[-1] == "response.completed"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    done = events[-1]["response"]
    assert done["output"][0]["type"] == "function_call" and json.loads(done["output"][0]["arguments"]) == {
        "city": "Paris"
    }
    assert done["usage"]["total_cost_usd"] > 0 and done["usage"]["input_tokens"] > 0


def test_structured_output_matches_the_schema(stack):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["name", "tags"],
        "additionalProperties": False,
    }
    fmt = {"format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True}}
    for model in ("gpt-4o-mini", "claude-haiku-4-5-20251001", "gemini-2.5-flash"):
        r = _post(stack, "/v1/responses", {"model": model, "input": "A city", "text": fmt})
        value = json.loads(r.json()["output"][0]["content"][0]["text"])
        assert set(value) == {"name", "tags"} and isinstance(value["tags"], list), model


def test_a_builtin_tool_is_a_400_naming_it(stack):
    r = _post(
        stack,
        "/v1/responses",
        {"model": "gpt-4o-mini", "input": "x", "tools": [TOOL, {"type": "web_search"}]},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "tools[1]"


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses"])
def test_unknown_fields_are_refused_unless_dropped(stack, path: str):
    base = {"model": "gpt-4o-mini"}
    base |= (
        {"messages": [{"role": "user", "content": "hi"}]} if path.endswith("completions") else {"input": "hi"}
    )
    refused = _post(stack, path, {**base, "stroe": True})
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "stroe"
    dropped = _post(stack, path, {**base, "stroe": True, "drop_params": True})
    assert dropped.status_code == 200 and dropped.headers["x-gateway-dropped-params"] == "stroe"


def test_a_malformed_tool_choice_is_a_400_not_a_502(stack):
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": TOOL}],
        "tool_choice": {"type": "function", "name": "get_weather"},
    }
    body["tools"][0]["function"] = {k: v for k, v in TOOL.items() if k != "type"}
    r = _post(stack, "/v1/chat/completions", body)
    assert r.status_code == 400 and r.json()["error"]["param"] == "tool_choice"


def test_store_and_metadata_go_to_providers_without_storage_as_no_error(stack):
    body = {
        "model": "gemini-2.0-flash",
        "messages": [{"role": "user", "content": "hi"}],
        "store": True,
        "metadata": {"team": "a"},
        "user": "u",
        "safety_identifier": "s",
    }
    r = _post(stack, "/v1/chat/completions", body)
    assert r.status_code == 200, r.text

"""POST /v1/router, GET /v1/router/profiles and model "auto", over HTTP against the local stack."""

from __future__ import annotations

import json

import pytest

from tests.integration._accounts import create_key

pytestmark = pytest.mark.integration

PROMPT = [
    {
        "role": "user",
        "content": "Which is heavier, a kilogram of feathers or a kilogram of iron? A) feathers B) iron C) same",
    }
]
TIERS = {"cheap", "mid", "premium"}


def _headers(key: str) -> dict[str, str]:
    return {"x-api-key": key}


def test_decision_only(stack):
    with stack.http() as c:
        r = c.post(
            "/v1/router",
            json={"messages": PROMPT, "execute": False, "cost_weight": 0.5},
            headers=_headers(stack.api_key),
        )
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["object"] == "router.decision" and d["tier"] in TIERS and len(d["candidates"]) == 11
    assert r.headers["x-gateway-model"] == d["selected_model"] == d["candidates"][0]["model"]
    assert "x-gateway-provider" not in r.headers  # nothing was sent upstream


def test_execute_returns_the_completion_with_its_decision(stack):
    with stack.http() as c:
        r = c.post(
            "/v1/router",
            json={
                "messages": PROMPT,
                "models": ["claude-instant-v1", "zero-one-ai/Yi-34B-Chat"],
                "cost_weight": 0,
                "max_tokens": 20,
            },
            headers=_headers(stack.api_key),
        )
    assert r.status_code == 200, r.text
    body = r.json()
    chosen = body["router"]["selected_model"]
    assert chosen in {"claude-instant-v1", "zero-one-ai/Yi-34B-Chat"}
    assert body["model"] == chosen and body["choices"][0]["message"]["content"]
    assert body["usage"]["total_cost_usd"] > 0
    assert r.headers["x-gateway-model"] == chosen and r.headers["x-gateway-tier"] == body["router"]["tier"]
    assert r.headers["x-gateway-provider"] == {"claude-instant-v1": "bedrock"}.get(chosen, "together")
    assert float(r.headers["x-gateway-router-score"]) == pytest.approx(
        body["router"]["candidates"][0]["score"], abs=1e-6
    )


def test_execute_streams(stack):
    with (
        stack.http() as c,
        c.stream(
            "POST",
            "/v1/router",
            json={"messages": PROMPT, "stream": True, "cost_weight": 100},
            headers=_headers(stack.api_key),
        ) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        frames = [line.removeprefix("data: ") for line in r.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    assert (
        chunks[0]["router"]["selected_model"] == "mistralai/mistral-7b-chat" == r.headers["x-gateway-model"]
    )
    assert r.headers["x-gateway-provider"] == "mistral"
    assert "".join(ch["delta"].get("content") or "" for c in chunks for ch in c["choices"])
    assert chunks[-1]["usage"]["total_cost_usd"] > 0


def test_profiles(stack):
    with stack.http() as c:
        r = c.get("/v1/router/profiles", headers=_headers(stack.api_key))
    assert r.status_code == 200
    data = r.json()["data"]
    assert {p["model"] for p in data} >= {"gpt-4-1106-preview", "claude-v2", "mistralai/mixtral-8x7b-chat"}
    assert all(p["validation_size"] > 0 and p["status"] == "retired" for p in data)


def test_unprofiled_model_is_a_400(stack):
    with stack.http() as c:
        r = c.post(
            "/v1/router",
            json={"messages": PROMPT, "models": ["gpt-4o-mini", "claude-v1"]},
            headers=_headers(stack.api_key),
        )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "model_not_profiled" and "gpt-4o-mini" in r.json()["error"]["message"]


def test_model_auto_uses_the_keys_default_cost_weight(stack):
    key = create_key(stack, "auto-router", default_cost_weight=100)["key"]
    client = stack.openai(api_key=key)
    resp = client.chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=20)
    completion = resp.parse()
    assert completion.model == "mistralai/mistral-7b-chat" == resp.headers["x-gateway-model"]
    assert resp.headers["x-gateway-tier"] in TIERS
    assert resp.headers["x-gateway-router-cost-weight"] == "100"
    text = client.completions.with_raw_response.create(model="auto", prompt="Say hi", max_tokens=5)
    assert text.headers["x-gateway-model"] == "mistralai/mistral-7b-chat"
    assert text.parse().choices[0].text


def test_model_list_shows_status(stack):
    models = {m.id: m for m in stack.openai().models.list().data}
    assert models["gpt-4-1106-preview"].model_extra["status"] == "retired"
    assert models["gpt-4o-mini"].model_extra["status"] == "active"

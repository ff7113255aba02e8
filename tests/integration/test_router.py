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


CURRENT = {
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "claude-3-5-haiku-20241022",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-5-20250929",
    "gemini-2.0-flash",
    "gemini-2.5-flash-lite",
}


def _decision(stack, **body):
    with stack.http() as c:
        r = c.post(
            "/v1/router", json={"messages": PROMPT, "execute": False, **body}, headers=_headers(stack.api_key)
        )
    assert r.status_code == 200, r.text
    return r


def test_decision_only_chooses_among_current_models(stack):
    r = _decision(stack, cost_weight=0.5)
    d = r.json()
    assert d["object"] == "router.decision" and d["tier"] in TIERS and d["method"] == "uniroute"
    assert {c["model"] for c in d["candidates"]} == CURRENT  # the simulator serves them; none retired
    assert r.headers["x-gateway-model"] == d["selected_model"] == d["candidates"][0]["model"]
    assert "x-gateway-provider" not in r.headers  # nothing was sent upstream


def test_execute_returns_the_completion_with_its_decision(stack):
    models = ["gpt-4o-mini", "claude-haiku-4-5-20251001"]
    with stack.http() as c:
        r = c.post(
            "/v1/router",
            json={"messages": PROMPT, "models": models, "cost_weight": 0, "max_tokens": 20},
            headers=_headers(stack.api_key),
        )
    assert r.status_code == 200, r.text
    body = r.json()
    chosen = body["router"]["selected_model"]
    assert chosen in models and body["router"]["reason"]
    assert body["model"] == chosen and body["choices"][0]["message"]["content"]
    assert body["usage"]["total_cost_usd"] > 0
    assert r.headers["x-gateway-model"] == chosen and r.headers["x-gateway-tier"] == body["router"]["tier"]
    assert r.headers["x-gateway-provider"] == {"gpt-4o-mini": "openai"}.get(chosen, "anthropic")
    assert float(r.headers["x-gateway-router-score"]) == pytest.approx(
        body["router"]["candidates"][0]["score"], abs=1e-6
    )


def test_execute_streams(stack):
    with (
        stack.http() as c,
        c.stream(
            "POST",
            "/v1/router",
            json={"messages": PROMPT, "stream": True, "cost_weight": 10000},
            headers=_headers(stack.api_key),
        ) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        frames = [line.removeprefix("data: ") for line in r.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    assert chunks[0]["router"]["selected_model"] == "gemini-2.5-flash-lite" == r.headers["x-gateway-model"]
    assert r.headers["x-gateway-provider"] == "gemini"
    assert "".join(ch["delta"].get("content") or "" for c in chunks for ch in c["choices"])
    assert chunks[-1]["usage"]["total_cost_usd"] > 0


def test_profiles_show_servability(stack):
    with stack.http() as c:
        r = c.get("/v1/router/profiles", headers=_headers(stack.api_key))
    assert r.status_code == 200
    data = {p["model"]: p for p in r.json()["data"]}
    assert all(data[m]["servable"] for m in CURRENT)
    assert not data["gpt-4-1106-preview"]["servable"] and data["gpt-4-1106-preview"]["status"] == "retired"


@pytest.mark.parametrize(
    ("models", "code"),
    [
        (["gpt-4-1106-preview", "gpt-4o"], "model_retired"),
        (["mistral-small-latest", "gpt-4o"], "model_not_profiled"),
    ],
)
def test_a_model_the_router_cannot_choose_is_a_400(stack, models, code):
    with stack.http() as c:
        r = c.post("/v1/router", json={"messages": PROMPT, "models": models}, headers=_headers(stack.api_key))
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == code and models[0] in err["message"]


def test_model_auto_uses_the_keys_default_cost_weight(stack):
    key = create_key(stack, "auto-router", default_cost_weight=10000)["key"]
    client = stack.openai(api_key=key)
    resp = client.chat.completions.with_raw_response.create(model="auto", messages=PROMPT, max_tokens=20)
    completion = resp.parse()
    assert completion.model == "gemini-2.5-flash-lite" == resp.headers["x-gateway-model"]
    assert resp.headers["x-gateway-tier"] in TIERS
    assert resp.headers["x-gateway-router-cost-weight"] == "10000"
    text = client.completions.with_raw_response.create(model="auto", prompt="Say hi", max_tokens=5)
    assert text.headers["x-gateway-model"] == "gemini-2.5-flash-lite"
    assert text.parse().choices[0].text


def test_no_model_at_all_routes_and_reports_the_prompts_tier(stack):
    tier = _decision(stack).json()["tier"]
    with stack.http() as c:
        r = c.post(
            "/v1/chat/completions",
            json={"messages": PROMPT, "max_tokens": 20},
            headers=_headers(stack.api_key),
        )
    assert r.status_code == 200, r.text
    assert r.json()["model"] in CURRENT and r.headers["x-gateway-model"] in CURRENT
    assert r.headers["x-gateway-tier"] == tier and r.headers["x-gateway-router-method"] == "uniroute"
    assert r.headers["x-gateway-router-cost-weight"] == "0.1"  # the deployment default


def test_a_legacy_completion_without_a_model_routes_too(stack):
    with stack.http() as c:
        r = c.post(
            "/v1/completions", json={"prompt": "Say hi", "max_tokens": 5}, headers=_headers(stack.api_key)
        )
    assert r.status_code == 200, r.text
    assert r.json()["model"] in CURRENT and r.headers["x-gateway-router-method"] in ("uniroute", "tier")


def test_a_pinned_model_reports_its_own_tier(stack):
    resp = stack.openai().chat.completions.with_raw_response.create(
        model="gpt-4o", messages=PROMPT, max_tokens=5
    )
    assert resp.headers["x-gateway-tier"] == "premium"  # gpt-4o's catalog tier
    resp = stack.openai().chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=PROMPT, max_tokens=5
    )
    assert resp.headers["x-gateway-tier"] == "cheap"


def test_model_list_shows_status(stack):
    models = {m.id: m for m in stack.openai().models.list().data}
    assert models["gpt-4-1106-preview"].model_extra["status"] == "retired"
    assert models["gpt-4o-mini"].model_extra["status"] == "active"

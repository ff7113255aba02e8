"""POST /v1/router and GET /v1/router/profiles in-process, and model "auto" on the chat routes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from gateway.api import semantic_router as router_api
from gateway.app import create_app
from gateway.context import Principal, RequestContext
from gateway.schemas import ChatCompletionRequest
from gateway.schemas.router import RouterRequest

ROOT = Path(__file__).resolve().parents[3]
CODE = [{"role": "user", "content": "Write a Python function that returns the n-th Fibonacci number."}]


def _ctx(**limits) -> RequestContext:
    return RequestContext(request_id="r", principal=Principal(id="k", limits=limits))


@pytest.fixture
def limits(monkeypatch):
    given: dict = {}

    async def no_auth(request):
        ctx = _ctx(**given)
        request.state.ctx = ctx
        return ctx

    monkeypatch.setattr(router_api, "context", no_auth)
    return given


@pytest.fixture
async def client(limits):
    app = create_app(router_api.router, router_api.profiles_router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as c:
        yield c


async def _decide(client, **body):
    r = await client.post("/v1/router", json={"messages": CODE, "execute": False, **body})
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": CODE, "models": ["gpt-4-1106-preview"]},
        {"messages": CODE, "cost_weight": -0.1},
        {"messages": CODE, "temperature": 3},
        {"messages": CODE, "max_tokens": 0},
        {"messages": CODE, "model": "gpt-4o"},
    ],
)
def test_schema_refuses(body):
    with pytest.raises(ValidationError):
        RouterRequest.model_validate(body)


def test_schema_defaults():
    req = RouterRequest.model_validate({"messages": CODE})
    assert req.execute is True and req.cost_weight is None and req.models is None and req.stream is False
    chat = req.to_chat("claude-v1")
    assert chat.model == "claude-v1" and chat.messages == req.messages


async def test_decision_only_explains_itself(client):
    r = await _decide(client)
    d = r.json()
    assert d["object"] == "router.decision" and d["cost_weight"] == 0
    assert d["tier"] in {"cheap", "mid", "premium"}
    assert len(d["candidates"]) == 11 and d["candidates"][0]["model"] == d["selected_model"]
    assert sum(d["cluster_weights"]) == pytest.approx(1, abs=1e-5)
    first = d["candidates"][0]
    assert set(first) == {"model", "profile", "predicted_error", "cost_usd", "normalized_cost", "score"}
    assert [c["score"] for c in d["candidates"]] == sorted(c["score"] for c in d["candidates"])
    assert r.headers["x-gateway-model"] == d["selected_model"]
    assert r.headers["x-gateway-tier"] == d["tier"]
    assert float(r.headers["x-gateway-router-score"]) == pytest.approx(first["score"], abs=1e-6)


async def test_raising_cost_weight_moves_to_cheaper_models(client):
    costs = []
    for weight in (0, 0.5, 5, 100):
        d = (await _decide(client, cost_weight=weight)).json()
        costs.append(next(c["cost_usd"] for c in d["candidates"] if c["model"] == d["selected_model"]))
    assert costs == sorted(costs, reverse=True) and costs[0] > costs[-1]
    cheapest = min(c["cost_usd"] for c in d["candidates"])
    assert costs[-1] == cheapest


async def test_key_default_cost_weight_applies_when_omitted(client, limits):
    limits["default_cost_weight"] = 100
    d = (await _decide(client)).json()
    assert d["cost_weight"] == 100
    assert d["selected_model"] == "mistralai/mistral-7b-chat"  # the cheapest profiled model
    assert (await _decide(client, cost_weight=0)).json()["cost_weight"] == 0


async def test_models_restrict_the_choice(client):
    d = (await _decide(client, models=["claude-instant-v1", "meta/llama-2-70b-chat"])).json()
    assert {c["model"] for c in d["candidates"]} == {"claude-instant-v1", "meta/llama-2-70b-chat"}


@pytest.mark.parametrize(
    ("models", "code"),
    [
        (["gpt-4o", "gpt-4-1106-preview"], "model_not_profiled"),
        (["no-such-model", "claude-v1"], "model_not_found"),
    ],
)
async def test_unprofiled_or_unknown_model_is_a_400_naming_it(client, models, code):
    r = await client.post("/v1/router", json={"messages": CODE, "execute": False, "models": models})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == code and err["param"] == "models[0]" and models[0] in err["message"]


async def test_profiles_name_their_catalog_models(client):
    body = (await client.get("/v1/router/profiles")).json()
    assert len(body["data"]) == 11 and body["embedding"].startswith("wordllama")
    for p in body["data"]:
        assert p["model"] == p["profile"] and p["status"] == "retired"
        assert p["validation_size"] > 0 and p["source"] and p["date"]


async def test_auto_resolves_through_the_router():
    from gateway.api.chat import route_auto

    body = ChatCompletionRequest(model="auto", messages=CODE)
    routed, extra = await route_auto(body, _ctx(default_cost_weight=100))
    assert routed.model == "mistralai/mistral-7b-chat" and routed.messages == body.messages
    assert extra["tier"] in {"cheap", "mid", "premium"}
    assert float(extra["headers"]["x-gateway-router-cost-weight"]) == 100
    same, none = await route_auto(ChatCompletionRequest(model="gpt-4o", messages=CODE), _ctx())
    assert same.model == "gpt-4o" and none == {}


def test_chat_function_does_not_import_the_router():
    code = (
        "import sys; sys.path[:0] = ['functions/chat_completions', 'shared'];"
        "import app; bad = [m for m in ('numpy', 'tokenizers', 'gateway.semantic_routing', 'gateway.semantic_routing.auto') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr

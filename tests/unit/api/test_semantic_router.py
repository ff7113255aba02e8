"""POST /v1/router and GET /v1/router/profiles in-process, and model "auto" on the chat routes."""

from __future__ import annotations

import json
import os
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
from gateway.semantic_routing import ARTIFACTS_DIR, default_router

ROOT = Path(__file__).resolve().parents[3]
CODE = [{"role": "user", "content": "Write a Python function that returns the n-th Fibonacci number."}]


def _ctx(**limits) -> RequestContext:
    return RequestContext(request_id="r", principal=Principal(id="k", limits=limits))


KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")
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


@pytest.fixture
def env(monkeypatch):
    """Provider keys for OpenAI, Anthropic and Gemini only; settings re-read per change."""
    from gateway.settings import get_settings

    for var in list(os.environ):
        if var.endswith("_API_KEY") or var.startswith(("ROUTING_", "AWS_")):
            monkeypatch.delenv(var)
    for var in KEYS:
        monkeypatch.setenv(var, "sk-test")
    get_settings.cache_clear()

    def set_env(**values):
        for k, v in values.items():
            if v is None:
                monkeypatch.delenv(k, raising=False)
            else:
                monkeypatch.setenv(k, v)
        get_settings.cache_clear()

    yield set_env
    get_settings.cache_clear()


@pytest.fixture
def limits(monkeypatch, env):
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
        {"messages": CODE, "models": ["gpt-4.1"]},
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
    chat = req.to_chat("gpt-4.1")
    assert chat.model == "gpt-4.1" and chat.messages == req.messages


def test_chat_model_is_optional_and_means_auto():
    assert ChatCompletionRequest.model_validate({"messages": CODE}).model == "auto"
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate({"messages": CODE, "model": ""})


async def test_decision_is_among_servable_current_models_and_explains_itself(client):
    r = await _decide(client)
    d = r.json()
    assert d["object"] == "router.decision" and d["method"] == "uniroute" and d["reason"]
    assert d["cost_weight"] == pytest.approx(0.1)  # the deployment default: no key limit, no request value
    assert d["tier"] in {"cheap", "mid", "premium"}
    assert {c["model"] for c in d["candidates"]} == CURRENT  # no retired RouterBench model
    assert d["candidates"][0]["model"] == d["selected_model"] in CURRENT
    assert sum(d["cluster_weights"]) == pytest.approx(1, abs=1e-5)
    # Per refined cluster, the prompt's sub-cluster weights (none are shipped refined today).
    assert {k: len(w) for k, w in d["subcluster_weights"].items()} == {
        str(k): n for k, n in default_router().refinement.sizes.items()
    }
    first = d["candidates"][0]
    assert set(first) == {"model", "profile", "predicted_error", "cost_usd", "normalized_cost", "score"}
    assert [c["score"] for c in d["candidates"]] == sorted(c["score"] for c in d["candidates"])
    assert r.headers["x-gateway-model"] == d["selected_model"]
    assert r.headers["x-gateway-tier"] == d["tier"]
    assert r.headers["x-gateway-router-method"] == "uniroute"
    assert float(r.headers["x-gateway-router-score"]) == pytest.approx(first["score"], abs=1e-6)


async def test_raising_cost_weight_moves_to_cheaper_models(client):
    models = ["gpt-4.1", "claude-sonnet-4-5-20250929", "gpt-4.1-nano"]
    chosen = [
        (await _decide(client, models=models, cost_weight=w)).json()["selected_model"] for w in (0, 100)
    ]
    assert chosen == ["gpt-4.1", "gpt-4.1-nano"]  # lowest recorded error, then the cheapest


async def test_key_default_cost_weight_applies_when_omitted(client, limits):
    limits["default_cost_weight"] = 10000
    d = (await _decide(client)).json()
    assert d["cost_weight"] == 10000
    cheapest = min(c["cost_usd"] for c in d["candidates"])
    assert next(c["cost_usd"] for c in d["candidates"] if c["model"] == d["selected_model"]) == cheapest
    assert (await _decide(client, cost_weight=0)).json()["cost_weight"] == 0


async def test_deployment_default_cost_weight_is_a_setting(client, env):
    env(ROUTING_DEFAULT_COST_WEIGHT="0.5")
    assert (await _decide(client)).json()["cost_weight"] == 0.5


async def test_models_restrict_the_choice(client):
    d = (await _decide(client, models=["gpt-4o-mini", "claude-haiku-4-5-20251001"])).json()
    assert {c["model"] for c in d["candidates"]} == {"gpt-4o-mini", "claude-haiku-4-5-20251001"}


@pytest.mark.parametrize(
    ("models", "code", "says"),
    [
        (["gpt-4-1106-preview", "gpt-4o"], "model_retired", "retired"),
        (["mistral-small-latest", "gpt-4o"], "model_not_servable", "credentials"),
        (["gemini-2.5-pro", "gpt-4o"], "model_not_profiled", "routing profile"),
        (["no-such-model", "gpt-4o"], "model_not_found", "does not exist"),
    ],
)
async def test_a_model_the_router_cannot_choose_is_a_400_saying_why(client, models, code, says):
    r = await client.post("/v1/router", json={"messages": CODE, "execute": False, "models": models})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == code and err["param"] == "models[0]"
    assert models[0] in err["message"] and says in err["message"]


async def test_a_provider_without_credentials_drops_its_models(client, env):
    env(ANTHROPIC_API_KEY=None)
    d = (await _decide(client, cost_weight=0)).json()
    assert {c["model"] for c in d["candidates"]} == {m for m in CURRENT if not m.startswith("claude")}
    r = await client.post(
        "/v1/router",
        json={"messages": CODE, "execute": False, "models": ["claude-haiku-4-5-20251001", "gpt-4o"]},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "model_not_servable"


async def test_no_profiled_servable_model_falls_back_to_the_prompts_tier(client, env):
    from gateway.catalog.models import get_catalog

    for var in KEYS:
        env(**{var: None})
    env(MISTRAL_API_KEY="sk-test")  # Mistral's models are servable, none is profiled
    d = (await _decide(client)).json()
    assert d["method"] == "tier" and d["candidates"] == [] and "tier" in d["reason"]
    chosen = get_catalog().model(d["selected_model"])
    assert chosen.providers[0].provider == "mistral" and chosen.status == "active"
    mistral_of_tier = [m.id for m in get_catalog().models if m.tier == d["tier"] and m.owned_by == "mistral"]
    if mistral_of_tier:
        assert d["selected_model"] == mistral_of_tier[0]
    env(ROUTING_TIER_MODELS=json.dumps(dict.fromkeys(("cheap", "mid", "premium"), "mistral-large-latest")))
    r = await _decide(client)
    assert r.json()["selected_model"] == "mistral-large-latest" == r.headers["x-gateway-model"]
    assert r.headers["x-gateway-router-method"] == "tier" and r.headers["x-gateway-tier"] == d["tier"]


async def test_nothing_servable_is_a_400(client, env):
    for var in KEYS:
        env(**{var: None})
    r = await client.post("/v1/router", json={"messages": CODE, "execute": False})
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_servable_models"


async def test_profiles_say_whether_they_are_servable(client):
    body = (await client.get("/v1/router/profiles")).json()
    by_model = {p["model"]: p for p in body["data"]}
    assert set(by_model) >= CURRENT and body["embedding"].startswith("wordllama")
    sizes = {str(k): n for k, n in default_router().refinement.sizes.items()}
    assert body["subclusters"] == sizes
    for p in body["data"]:  # sub-cluster errors only under refined clusters, one per sub-cluster
        assert {k: len(e) for k, e in p["subcluster_error"].items()}.items() <= sizes.items()
    for name in CURRENT:
        assert by_model[name]["servable"] is True and by_model[name]["not_servable_because"] is None
        assert by_model[name]["validation_size"] > 0 and by_model[name]["source"]
    retired = by_model["gpt-4-1106-preview"]
    assert retired["servable"] is False and "retired" in retired["not_servable_because"]


async def test_a_new_profile_is_routed_to_on_the_next_request(client, env, tmp_path):
    overlay = tmp_path / "profiles.json"
    env(ROUTING_PROFILES_PATH=str(overlay), MISTRAL_API_KEY="sk-test")
    before = (await _decide(client, cost_weight=0)).json()
    assert "mistral-small-latest" not in {c["model"] for c in before["candidates"]}
    shipped = json.loads((ARTIFACTS_DIR / "profiles.json").read_text())
    k = shipped["num_clusters"]
    overlay.write_text(
        json.dumps(
            {
                **shipped,
                "models": {
                    "mistral-small-latest": {
                        "cluster_error": [0.0] * k,
                        "mean_cost_usd": 1e-5,
                        "source": "test",
                        "validation_size": 10,
                        "date": "2026-11-24",
                    }
                },
            }
        )
    )
    after = (await _decide(client, cost_weight=0)).json()
    assert after["selected_model"] == "mistral-small-latest"
    assert default_router(overlay) is default_router(overlay)  # unchanged files: no reload


async def test_auto_and_no_model_resolve_through_the_router(env):
    from gateway.api.chat import route_auto

    for body in (
        ChatCompletionRequest(model="auto", messages=CODE),
        ChatCompletionRequest.model_validate({"messages": CODE}),
    ):
        routed, extra = await route_auto(body, _ctx(default_cost_weight=100))
        assert routed.model in CURRENT and routed.messages == body.messages
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

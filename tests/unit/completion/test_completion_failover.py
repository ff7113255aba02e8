"""gateway.completion.chat over the real transport against the simulator served in-process, with a
local DynamoDB: refused connections fail over, cooling providers go last, named
deployments are reachable, and every request leaves exactly one usage record."""

from __future__ import annotations

import json

import httpx
import pytest

from gateway import clock
from gateway.catalog.models import get_catalog
from gateway.completion import streaming, unary
from gateway.completion.plan import plan as plan_completion
from gateway.context import Principal, RequestContext, current_context
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings
from gateway.store import health
from gateway.store.dynamo import call
from local.stack import free_port, start_simulator

_SIM: list[str] = []


def _sim() -> str:
    if not _SIM:
        _SIM.append(start_simulator("127.0.0.1", free_port())[0])
    return _SIM[0]


@pytest.fixture
def env(store, monkeypatch):
    sim = _sim()
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: connection refused
    for k, v in {
        "OPENAI_BASE_URL": closed + "/v1",
        "OPENAI_API_KEY": "k",
        "ANTHROPIC_BASE_URL": sim + "/anthropic",
        "ANTHROPIC_API_KEY": "k",
        "GEMINI_BASE_URL": sim + "/gemini",
        "GEMINI_API_KEY": "k",
        "BEDROCK_BASE_URL": closed,  # claude-haiku-4-5's second provider: down throughout
        "HEALTH_FAILURE_THRESHOLD": "2",
        "HEALTH_CACHE_TTL_S": "0",
        "GATEWAY_DEPLOYMENTS": json.dumps(
            [
                {
                    "id": "local-vllm",
                    "base_url": sim + "/openai/v1",
                    "api_key_env": "VLLM_TOKEN",
                    "models": [{"id": "llama3.1:8b", "pricing": {"input": 0.1, "output": 0.2}}, "gpt-4o"],
                }
            ]
        ),
        "VLLM_TOKEN": "vllm-secret",
    }.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    get_catalog.cache_clear()
    health.forget()
    yield sim
    get_catalog.cache_clear()
    get_settings.cache_clear()
    health.forget()


def _ctx(rid: str) -> RequestContext:
    ctx = RequestContext(request_id=rid, principal=Principal(id="k1", managed=True))
    current_context.set(ctx)
    return ctx


def _req(**kw) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"messages": [{"role": "user", "content": "Hello"}], **kw})


async def _records(rid: str) -> list[dict]:
    from gateway.store.dynamo import from_item, to_item

    resp = await call(
        "query",
        TableName=get_settings().usage_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": "KEY#k1"}),
    )
    return [r for r in map(from_item, resp["Items"]) if r.get("request_id") == rid]


async def _complete(rid: str, **kw):
    ctx, req = _ctx(rid), _req(**kw)
    the_plan = await plan_completion(req, ctx)
    return ctx, the_plan, await unary.complete(ctx, the_plan)


async def test_refused_connection_fails_over_and_is_billed_once(env):
    ctx, _, completion = await _complete("r1", model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"])
    assert completion.provider == "anthropic" and ctx.attempts == 2
    assert completion.created > 0
    records = await _records("r1")
    assert len(records) == 1 and records[0]["provider"] == "anthropic" and records[0]["status"] == "ok"


async def test_refused_connection_before_the_first_chunk_fails_over_streaming(env):
    ctx, req = _ctx("r2"), _req(model="gpt-4o-mini", fallbacks=["gemini-2.5-flash"], stream=True)
    the_plan = await plan_completion(req, ctx)
    stream = await streaming.open_stream(ctx, the_plan)
    chunks = [c async for c in streaming.chunks(stream, ctx, the_plan)]
    assert stream.target.provider_id == "gemini" and ctx.attempts == 2
    assert chunks[-1].usage.completion_tokens > 0
    assert len(await _records("r2")) == 1


async def test_a_cooling_provider_is_tried_last_then_recovers(env):
    for rid in ("c1", "c2"):  # threshold 2: two refused connections cool openai down
        await _complete(rid, model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"])
    assert health.cached("openai").cooldown_until > 0
    ctx, the_plan, completion = await _complete(
        "c3", model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"]
    )
    assert the_plan.cooling == {"openai"}
    assert completion.provider == "anthropic" and ctx.attempts == 1  # openai skipped, not tried


async def test_the_last_option_is_tried_even_while_cooling(env, monkeypatch):
    for rid in ("d1", "d2"):
        await _complete(rid, model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"])
    monkeypatch.setenv("OPENAI_BASE_URL", env + "/openai/v1")  # openai is back...
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{free_port()}")  # ...and anthropic is down
    get_settings.cache_clear()
    ctx, the_plan, completion = await _complete(
        "d3", model="gpt-4o-mini", fallbacks=["claude-haiku-4-5-20251001"]
    )
    assert the_plan.cooling == {"openai"}
    # The healthy targets first (anthropic, then bedrock: both down), the cooling one last.
    assert completion.provider == "openai" and ctx.attempts == 3
    assert len(await _records("d3")) == 1
    assert (
        health.cached("openai").failures == 0 and health.cached("openai").cooldown_until == 0
    )  # success cleared it


async def test_a_lone_provider_costs_no_health_read(env):
    ctx = _ctx("s1")
    the_plan = await plan_completion(_req(model="claude-haiku-4-5-20251001"), ctx)
    assert the_plan.cooling == set() and health.cached("anthropic") == health.Health()


async def test_named_deployment_is_reached_with_its_own_key(env):
    before = httpx.get(f"{env}/_sim/stats").json().get("openai", 0)
    _, the_plan, completion = await _complete("v1", model="local-vllm/llama3.1:8b")
    assert completion.provider == "local-vllm" and completion.choices[0].message.content.startswith(
        "Simulated"
    )
    assert the_plan.targets[0].settings.api_key == "vllm-secret"
    assert httpx.get(f"{env}/_sim/stats").json()["openai"] == before + 1
    # The deployment's own price (a model it adds is free unless it says otherwise).
    assert completion.usage.output_cost_usd == pytest.approx(completion.usage.completion_tokens * 0.2e-6)
    # A model the catalog already has gains the deployment as its last provider; pinning reaches it.
    catalog = get_catalog()
    assert [s.provider for s in catalog.model("gpt-4o").providers] == ["openai", "local-vllm"]
    _, _, pinned = await _complete("v2", model="local-vllm/gpt-4o")
    assert pinned.provider == "local-vllm"


async def test_legacy_functions_come_back_as_function_call(env):
    fn = {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    _, _, completion = await _complete(
        "l1", model="claude-haiku-4-5-20251001", functions=[fn], function_call={"name": "get_weather"}
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "function_call" and choice.message.tool_calls is None
    assert choice.message.function_call.name == "get_weather"
    assert json.loads(choice.message.function_call.arguments) == {"city": "Paris"}


# --- money path: settlement and holds on every path ---------------------------------------------


async def _account():
    from gateway.store import accounts

    return await accounts.get("k1")


async def test_stream_client_gone_before_the_first_chunk_is_still_settled(env):
    """The client hangs up before the response body is iterated: the hold is released and the
    request recorded once, rather than the hold leaking until it expires."""
    from gateway.api._serve import serve

    ctx = _ctx("gone1")
    resp = await serve(_req(model="claude-haiku-4-5-20251001", stream=True), ctx)

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    await resp({"type": "http", "asgi": {"spec_version": "2.0"}}, receive, send)
    assert len(await _records("gone1")) == 1
    assert (await _account()).holds == []


async def test_an_admission_applied_then_answered_500_is_not_counted_twice(env, monkeypatch):
    """DynamoDB applied the admission but answered 500 (InternalServerError: the outcome is
    unknown); the store's retry must not add the hold to the day's committed amount again."""
    from gateway.store import dynamo

    real = dynamo.store_client
    failed: list[bool] = []

    class Flaky:
        def __init__(self, client):
            self.client = client

        async def post(self, url, **kw):
            resp = await self.client.post(url, **kw)
            if (
                not failed
                and kw["headers"].get("x-amz-target", "").endswith("UpdateItem")
                and b"h#dup1" in kw["content"]
                and resp.status_code == 200
            ):
                failed.append(True)
                return httpx.Response(
                    500, json={"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}
                )
            return resp

        def __getattr__(self, name):
            return getattr(self.client, name)

    monkeypatch.setattr(dynamo, "store_client", lambda: Flaky(real()))
    await _complete("dup1", model="claude-haiku-4-5-20251001")
    assert failed
    acct, now = await _account(), clock.now()
    assert acct.holds == []
    assert acct.committed_usd(now) == acct.spent_usd(now) > 0  # committed = spent once every hold is closed
    assert acct.requests_on_day(now) == 1  # counted once, though the admission reached the store twice


@pytest.mark.parametrize("stream", [False, True])
async def test_an_unexpected_error_after_admission_still_settles_once(env, monkeypatch, stream):
    """Anything that escapes the failover loop (a bug in an adapter, a cancellation) must not
    leave the request admitted and unrecorded, its hold open and its free request spent."""
    from gateway.providers import anthropic

    def boom(*a, **kw):
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(anthropic.AnthropicAdapter, "build_request", boom, raising=True)
    ctx, req = _ctx(f"bug{stream}"), _req(model="claude-haiku-4-5-20251001", stream=stream)
    the_plan = await plan_completion(req, ctx)
    attempt = streaming.open_stream(ctx, the_plan) if stream else unary.complete(ctx, the_plan)
    with pytest.raises(RuntimeError):
        await attempt
    records = await _records(f"bug{stream}")
    assert len(records) == 1 and records[0]["status"] == "error"
    acct = await _account()
    assert acct.holds == [] and acct.free_used == 0


async def test_a_broken_stream_bills_what_was_delivered_not_the_opening_usage(env):
    """Anthropic reports usage in message_start (output_tokens: 1) and the rest at the end: a
    stream broken in between must bill the delivered text, not the opening count."""
    from gateway.accounting import tokens

    httpx.post(
        f"{env}/_sim/faults", json={"provider": "anthropic", "fault": "disconnect", "count": 1, "after": 8}
    )
    try:
        ctx, req = _ctx("part1"), _req(model="claude-haiku-4-5-20251001", stream=True)
        the_plan = await plan_completion(req, ctx)
        stream = await streaming.open_stream(ctx, the_plan)
        text = []
        async for c in streaming.chunks(stream, ctx, the_plan):
            if not isinstance(c, Exception):
                text += [ch.delta.content or "" for ch in c.choices]
    finally:
        httpx.delete(f"{env}/_sim/faults")
    [record] = await _records("part1")
    assert record["status"] == "partial" and "".join(text)
    assert record["completion_tokens"] >= tokens.estimate_text("".join(text))


async def test_a_stream_whose_response_never_starts_is_still_settled(env):
    """The server cannot start the response (the client is gone: ASGI's send raises OSError)
    so the body is never iterated: the request is still settled once and its hold closed."""
    from gateway.api._serve import serve

    ctx = _ctx("nostart1")
    resp = await serve(_req(model="claude-haiku-4-5-20251001", stream=True), ctx)

    async def receive():
        await __import__("asyncio").sleep(10)
        return {"type": "http.disconnect"}

    async def send(message):
        raise OSError("client gone")

    from starlette.requests import ClientDisconnect

    with pytest.raises(ClientDisconnect):  # starlette's word for the OSError of a gone client
        await resp({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)
    assert len(await _records("nostart1")) == 1
    assert (await _account()).holds == []

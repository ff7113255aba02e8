"""The fault matrix through the local stack: every fault the simulator injects, on every
simulated provider, streaming and not. Before any byte reaches the client a fault fails
over to the request's fallback; after, the stream ends with an SSE error event. Either way
the ledger holds exactly one usage record for the request."""

from __future__ import annotations

import functools
import json

import boto3
import httpx
import pytest
from _streams import SIMULATED_MODELS
from boto3.dynamodb.conditions import Attr, Key

from gateway.identity import apikeys

pytestmark = pytest.mark.integration

MODELS = SIMULATED_MODELS
# Each provider falls back to the next one in this ring.
RING = sorted(MODELS)
FALLBACK = {p: RING[(i + 1) % len(RING)] for i, p in enumerate(RING)}

# fault name -> simulator fault spec (the stack's read timeout is 1 s; see conftest).
FAILOVER_FAULTS = {
    "429": {"fault": "status", "status": 429},
    "500": {"fault": "status", "status": 500},
    "503": {"fault": "status", "status": 503},
    "timeout": {"fault": "timeout", "seconds": 2},
    "malformed": {"fault": "malformed"},
}


@functools.cache
def _usage_table(dynamodb_url: str):
    return boto3.resource(
        "dynamodb",
        endpoint_url=dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table("gateway-local-UsageTable")


def usage_records(stack, request_id: str) -> list[dict]:
    """The ledger's records of one request (the demo key's partition, filtered by request id)."""
    table = _usage_table(stack.dynamodb_url)
    items, kwargs = (
        [],
        {
            "KeyConditionExpression": Key("pk").eq(f"KEY#{apikeys.parse_id(stack.api_key)}"),
            "FilterExpression": Attr("request_id").eq(request_id),
        },
    )
    while True:
        page = table.query(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _body(provider: str, stream: bool) -> dict:
    return {
        "model": f"{provider}/{MODELS[provider]}",
        "messages": [{"role": "user", "content": "Hello failover"}],
        "fallbacks": [f"{FALLBACK[provider]}/{MODELS[FALLBACK[provider]]}"],
        "stream": stream,
    }


def _events(resp: httpx.Response) -> list[dict | str]:
    out: list[dict | str] = []
    for line in resp.iter_lines():
        if line.startswith("data: "):
            data = line.removeprefix("data: ")
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def _post(sim, body: dict) -> tuple[httpx.Response, list]:
    with (
        sim.http() as client,
        client.stream(
            "POST", "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {sim.api_key}"}
        ) as resp,
    ):
        events = _events(resp) if body["stream"] else [json.loads(resp.read())]
    return resp, events


def _text(events: list) -> str:
    return "".join(
        c["choices"][0]["delta"].get("content") or ""
        for c in events
        if isinstance(c, dict) and c.get("choices")
    )


# Every fault on every provider, streamed and not; a timeout costs a full read timeout, so each
# provider takes it in one mode only (alternating), which still covers both modes' code paths.
CASES = [
    pytest.param(p, f, s, id=f"{p}-{f}-{'sse' if s else 'json'}")
    for i, p in enumerate(RING)
    for f in sorted(FAILOVER_FAULTS)
    for s in (False, True)
    if f != "timeout" or s == bool(i % 2)
]


@pytest.mark.parametrize(("provider", "fault", "stream"), CASES)
def test_fault_fails_over_to_fallback(sim, provider, fault, stream):
    sim.fault(provider, count=1, **FAILOVER_FAULTS[fault])
    before = sim.sim_stats()
    resp, events = _post(sim, _body(provider, stream))
    served = FALLBACK[provider]
    assert resp.status_code == 200, events
    assert resp.headers["x-gateway-provider"] == served
    assert resp.headers["x-gateway-attempts"] == "2"
    after = sim.sim_stats()
    assert after.get(provider, 0) == before.get(provider, 0) + 1  # the faulty provider was really tried
    if stream:
        assert events[-1] == "[DONE]" and events[-2]["usage"]["completion_tokens"] > 0
        assert _text(events).startswith("Simulated reply to: Hello failover")
    else:
        assert events[0]["provider"] == served
    records = usage_records(sim, resp.headers["x-request-id"])
    assert len(records) == 1
    assert records[0]["provider"] == served and records[0]["status"] == "ok" and records[0]["attempts"] == 2


@pytest.mark.parametrize("provider", RING)
def test_disconnect_before_first_event_fails_over(sim, provider):
    sim.fault(provider, "disconnect", after=0)
    resp, events = _post(sim, _body(provider, True))
    assert resp.headers["x-gateway-provider"] == FALLBACK[provider]
    assert events[-1] == "[DONE]" and _text(events)
    assert len(usage_records(sim, resp.headers["x-request-id"])) == 1


@pytest.mark.parametrize("provider", RING)
def test_disconnect_mid_stream_is_an_error_event_and_billed_once(sim, provider):
    sim.fault(provider, "disconnect", after=4)
    resp, events = _post(sim, _body(provider, True))
    assert resp.status_code == 200 and resp.headers["x-gateway-provider"] == provider
    assert events[-1] == "[DONE]"
    assert events[-2]["error"]["code"] == "upstream_connection_error"
    assert all("error" not in e for e in events[:-2])
    records = usage_records(sim, resp.headers["x-request-id"])
    assert len(records) == 1
    assert records[0]["status"] == "partial" and records[0]["provider"] == provider
    assert records[0]["prompt_tokens"] > 0  # what was delivered is still billed


@pytest.mark.parametrize("provider", RING)
def test_slow_drip_is_delivered_not_failed_over(sim, provider):
    sim.fault(provider, "slow", delay_ms=10)
    resp, events = _post(sim, _body(provider, True))
    assert resp.headers["x-gateway-provider"] == provider and resp.headers["x-gateway-attempts"] == "1"
    assert (
        _text(events)
        == "Simulated reply to: Hello failover. This answer is deterministic and costs real tokens."
    )
    final = events[-2]["usage"]
    assert final["ttft_ms"] < final["latency_ms"]
    assert len(usage_records(sim, resp.headers["x-request-id"])) == 1


def test_every_provider_failing_is_502_with_records(sim):
    for provider in ("openai", "anthropic"):
        sim.fault(provider, "status", status=503)
    body = {
        "model": "openai/gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "fallbacks": ["anthropic/claude-haiku-4-5-20251001"],
        "stream": False,
    }
    resp, events = _post(sim, body)
    assert resp.status_code == 502
    err = events[0]["error"]
    assert err["code"] == "all_providers_failed"
    assert [r["provider"] for r in err["records"]] == ["openai", "anthropic"]
    assert all(r["status"] == 503 and r["response"]["status"] == 503 for r in err["records"])
    assert len(usage_records(sim, resp.headers["x-request-id"])) == 1


def test_a_cooldown_in_dynamodb_is_shared_and_shown(sim):
    """Another container's cooldown (an item in the keys table) sends requests past the provider."""
    import time

    keys = boto3.client(
        "dynamodb",
        endpoint_url=sim.dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    key = {"pk": {"S": "HEALTH#bedrock"}, "sk": {"S": "HEALTH"}}
    until = sim.now() + 30  # the stack's clock, which other tests move on
    keys.put_item(
        TableName="gateway-local-KeysTable",
        Item={**key, "kind": {"S": "health"}, "failures": {"N": "0"}, "cooldown_until": {"N": str(until)}},
    )
    try:
        sim.advance_clock(1.1)  # the stack's per-container health cache lives 1 s (conftest)
        with sim.http() as client:
            listed = client.get(
                "/v1/providers",
                params={"model": "llama-3.3-70b-versatile"},
                headers={"authorization": f"Bearer {sim.api_key}"},
            ).json()
        bedrock = next(p for p in listed["providers"] if p["id"] == "bedrock")
        groq = next(p for p in listed["providers"] if p["id"] == "groq")
        assert bedrock["cooling_down"] is True and bedrock["cooldown_until"].startswith(
            time.strftime("%Y-", time.gmtime())
        )
        assert groq["cooling_down"] is False and groq["cooldown_until"] is None
        before = sim.sim_stats().get("bedrock", 0)
        resp, _ = _post(
            sim,
            {
                "model": "llama-3.3-70b-versatile",
                "stream": False,
                "messages": [{"role": "user", "content": "hi"}],
            },
        )
        assert resp.headers["x-gateway-provider"] == "groq" and resp.headers["x-gateway-attempts"] == "1"
        assert sim.sim_stats().get("bedrock", 0) == before  # skipped, not tried
    finally:
        keys.delete_item(TableName="gateway-local-KeysTable", Key=key)
        sim.advance_clock(1.1)


# --- The fault matrix for embeddings, images and transcription -------------------------------

WORK_MODELS = {
    "embeddings": {
        "openai": "text-embedding-3-small",
        "gemini": "gemini-embedding-001",
        "mistral": "mistral-embed",
        "bedrock": "amazon.titan-embed-text-v2:0",
        "together": "BAAI/bge-large-en-v1.5",
    },
    "images": {
        "openai": "dall-e-3",
        "gemini": "gemini-2.5-flash-image",
        "bedrock": "amazon.nova-canvas-v1:0",
    },
    "audio": {"openai": "whisper-1", "groq": "whisper-large-v3"},
}


def _ring(kind: str) -> dict[str, str]:
    ring = sorted(WORK_MODELS[kind])
    return {p: ring[(i + 1) % len(ring)] for i, p in enumerate(ring)}


def _work_post(sim, kind: str, provider: str, fallback: str | None) -> httpx.Response:
    models = WORK_MODELS[kind]
    model = f"{provider}/{models[provider]}"
    fallbacks = [f"{fallback}/{models[fallback]}"] if fallback else []
    headers = {"authorization": f"Bearer {sim.api_key}"}
    with sim.http() as client:
        if kind == "embeddings":
            body = {"model": model, "input": ["hello failover"], "fallbacks": fallbacks}
            return client.post("/v1/embeddings", json=body, headers=headers)
        if kind == "images":
            body = {"model": model, "prompt": "hello failover", "fallbacks": fallbacks}
            return client.post("/v1/images/generations", json=body, headers=headers)
        from _audio import wav

        form = {"model": model, "fallbacks[]": fallbacks}
        files = {"file": ("f.wav", wav(2.0), "audio/wav")}
        return client.post("/v1/audio/transcriptions", data=form, files=files, headers=headers)


WORK_CASES = [
    pytest.param(kind, p, f, id=f"{kind}-{p}-{f}")
    for kind in sorted(WORK_MODELS)
    for i, p in enumerate(sorted(WORK_MODELS[kind]))
    for f in sorted(FAILOVER_FAULTS)
    if f != "timeout" or i == 0  # a timeout costs a read timeout: one provider per kind takes it
]


@pytest.mark.parametrize(("kind", "provider", "fault"), WORK_CASES)
def test_work_fault_fails_over_to_fallback(sim, kind, provider, fault):
    fallback = _ring(kind)[provider]
    sim.fault(provider, count=1, **FAILOVER_FAULTS[fault])
    before = sim.sim_stats()
    resp = _work_post(sim, kind, provider, fallback)
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-gateway-provider"] == fallback and resp.headers["x-gateway-attempts"] == "2"
    assert sim.sim_stats().get(provider, 0) == before.get(provider, 0) + 1
    records = usage_records(sim, resp.headers["x-request-id"])
    assert len(records) == 1
    assert records[0]["provider"] == fallback and records[0]["status"] == "ok" and records[0]["attempts"] == 2
    assert float(records[0]["total_cost_usd"]) > 0


@pytest.mark.parametrize("kind", sorted(WORK_MODELS))
def test_work_every_provider_failing_is_502_with_one_error_record(sim, kind):
    provider = sorted(WORK_MODELS[kind])[0]
    fallback = _ring(kind)[provider]
    for p in (provider, fallback):
        sim.fault(p, "status", status=503)
    resp = _work_post(sim, kind, provider, fallback)
    assert resp.status_code == 502
    err = resp.json()["error"]
    assert err["code"] == "all_providers_failed" and [r["provider"] for r in err["records"]] == [
        provider,
        fallback,
    ]
    records = usage_records(sim, resp.headers["x-request-id"])
    assert len(records) == 1 and records[0]["status"] == "error" and float(records[0]["total_cost_usd"]) == 0


@pytest.mark.parametrize("kind", sorted(WORK_MODELS))
def test_work_a_client_error_upstream_is_a_400_and_not_failed_over(sim, kind):
    provider = sorted(WORK_MODELS[kind])[-1]
    sim.fault(provider, "status", status=400, message="simulated bad request")
    before = sim.sim_stats()
    resp = _work_post(sim, kind, provider, _ring(kind)[provider])
    assert resp.status_code == 400 and "simulated bad request" in resp.json()["error"]["message"]
    after = sim.sim_stats()
    assert sum(after.values()) == sum(before.values()) + 1  # the fallback was not tried
    assert len(usage_records(sim, resp.headers["x-request-id"])) == 1

"""The attacker's bench: the simulator served in-process, a local DynamoDB, and the gateway's
completion path called as the routes call it (the pattern of
tests/unit/completion/test_completion_failover.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from gateway.catalog.models import get_catalog
from gateway.context import Principal, RequestContext, current_context
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings
from gateway.store import health
from local.stack import free_port, start_simulator

_SIM: list[str] = []
OPENAI_KEY = "sk-live-7f3a9c2e4b1d8f6a0c5e9d2b"
"""The gateway's own provider key in these tests: nothing of it may reach a client."""


def _sim() -> str:
    if not _SIM:
        _SIM.append(start_simulator("127.0.0.1", free_port())[0])
    return _SIM[0]


class Sim:
    def __init__(self, url: str, closed: str) -> None:
        self.url = url
        self.closed = closed
        """A base URL nothing listens on: connection refused."""

    def fault(self, provider: str, fault: str, count: int = 1, **kw: object) -> None:
        httpx.post(
            f"{self.url}/_sim/faults", json={"provider": provider, "fault": fault, "count": count, **kw}
        )

    def clear(self) -> None:
        httpx.delete(f"{self.url}/_sim/faults")

    def stats(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/_sim/stats").json()


@pytest.fixture
def bench(store, monkeypatch) -> Iterator[Sim]:
    url = _sim()
    closed = f"http://127.0.0.1:{free_port()}"
    for k, v in {
        "OPENAI_BASE_URL": url + "/openai/v1",
        "OPENAI_API_KEY": OPENAI_KEY,
        "ANTHROPIC_BASE_URL": url + "/anthropic",
        "ANTHROPIC_API_KEY": "k",
        "GEMINI_BASE_URL": url + "/gemini",
        "GEMINI_API_KEY": "k",
        "BEDROCK_BASE_URL": closed,
        "HEALTH_FAILURE_THRESHOLD": "1000",
        "HEALTH_CACHE_TTL_S": "0",
        "GATEWAY_DEPLOYMENTS": json.dumps(
            [
                {
                    "id": "local-vllm",
                    "base_url": url + "/openai/v1",
                    "api_key_env": "VLLM_TOKEN",
                    "models": [{"id": "llama3.1:8b", "pricing": {"input": 0.1, "output": 0.2}}],
                }
            ]
        ),
        "VLLM_TOKEN": "vllm-secret",
    }.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    get_catalog.cache_clear()
    health.forget()
    s = Sim(url, closed)
    s.clear()
    yield s
    s.clear()
    get_catalog.cache_clear()
    get_settings.cache_clear()
    health.forget()


def new_ctx(rid: str) -> RequestContext:
    ctx = RequestContext(request_id=rid, principal=Principal(id="k1", managed=True))
    current_context.set(ctx)
    return ctx


def chat(**kw: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"messages": [{"role": "user", "content": "Hello"}], **kw})


async def ledger(rid: str) -> list[dict]:
    """The usage records of one request in the k1 partition."""
    from gateway.store.dynamo import call, from_item, to_item

    resp = await call(
        "query",
        TableName=get_settings().usage_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": "KEY#k1"}),
    )
    return [r for r in map(from_item, resp["Items"]) if r.get("request_id") == rid]

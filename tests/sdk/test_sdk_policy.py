"""The Python SDK's retry and fallback rules on a mock transport: no network, no sleeping."""

from __future__ import annotations

import json

import httpx2
import pytest
from llm_gateway import AsyncGatewayTransport, GatewayTransport, Policy

BASE, BACKUP = "http://primary.test/v1/", "http://backup.test/v1/"


def _error(status: int, code: str, headers: dict[str, str] | None = None, **extra: object) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, json={"error": {"message": code, "code": code, **extra}})


def _client(answers, policy: Policy, waits: list[float]) -> tuple[httpx2.Client, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    transport = GatewayTransport(policy, inner=httpx2.MockTransport(handler), sleep=waits.append)
    return httpx2.Client(transport=transport), seen


def _chat(client: httpx2.Client, model: str = "gpt-4o-mini") -> httpx2.Response:
    return client.post(BASE + "chat/completions", json={"model": model, "messages": []})


@pytest.mark.parametrize(
    ("headers", "extra", "expected"),
    [
        ({"retry-after": "7"}, {}, 7.0),
        ({"retry-after-ms": "250", "retry-after": "7"}, {}, 0.25),
        ({}, {"retry_after": 3}, 3.0),
        ({}, {}, 0.5),
    ],
)
def test_429_waits_its_retry_after(headers, extra, expected):
    waits: list[float] = []
    answers = [_error(429, "rate_limit_exceeded", headers, **extra), httpx2.Response(200, json={})]
    client, seen = _client(answers, Policy((BASE,)), waits)
    assert _chat(client).status_code == 200
    assert waits == [expected] and len(seen) == 2


def test_503_retried_at_most_max_retries():
    waits: list[float] = []
    answers = [_error(503, "store_unavailable", {"retry-after": "1"}) for _ in range(3)]
    client, seen = _client(answers, Policy((BASE,), max_retries=2), waits)
    assert _chat(client).status_code == 503
    assert waits == [1.0, 1.0] and len(seen) == 3


@pytest.mark.parametrize(
    "answer",
    [
        _error(429, "budget_exceeded", {"retry-after": "5"}),
        _error(429, "rate_limit_exceeded", {"retry-after": "3600"}),
        _error(400, "invalid_request"),
    ],
)
def test_not_retried(answer):
    waits: list[float] = []
    client, seen = _client([answer], Policy((BASE,)), waits)
    assert _chat(client).status_code == answer.status_code
    assert waits == [] and len(seen) == 1


def test_connection_error_and_5xx_move_to_the_next_base_url():
    waits: list[float] = []
    answers = [httpx2.ConnectError("refused"), httpx2.Response(200, json={"ok": True})]
    client, seen = _client(answers, Policy((BASE, BACKUP)), waits)
    assert _chat(client).json() == {"ok": True}
    assert [str(r.url) for r in seen] == [BASE + "chat/completions", BACKUP + "chat/completions"]
    assert json.loads(seen[1].content)["model"] == "gpt-4o-mini"

    answers = [httpx2.Response(502, text="Bad Gateway"), httpx2.Response(200, json={})]
    client, seen = _client(answers, Policy((BASE, BACKUP)), waits)
    assert _chat(client).status_code == 200 and seen[1].url.host == "backup.test"


def test_model_error_moves_to_the_next_model_and_the_last_answer_is_kept():
    waits: list[float] = []
    answers = [
        _error(404, "model_not_found", param="model"),
        _error(400, "model_not_profiled", param="model"),
        _error(404, "model_not_found", param="model"),
    ]
    client, seen = _client(answers, Policy((BASE,), models=("b", "c")), waits)
    r = _chat(client, "a")
    assert r.status_code == 404
    assert [json.loads(s.content)["model"] for s in seen] == ["a", "b", "c"]


def test_nothing_answers_raises_the_connection_error_without_trying_models():
    waits: list[float] = []
    answers = [httpx2.ConnectError("a"), httpx2.ConnectError("b")]
    client, seen = _client(answers, Policy((BASE, BACKUP), models=("other",)), waits)
    with pytest.raises(httpx2.ConnectError):
        _chat(client)
    assert len(seen) == 2


def test_a_read_timeout_is_not_sent_again():
    """The gateway may have started (and billed) it: only connection failures fall over."""
    waits: list[float] = []
    answers = [httpx2.ReadTimeout("slow"), httpx2.Response(200, json={})]
    client, seen = _client(answers, Policy((BASE, BACKUP)), waits)
    with pytest.raises(httpx2.ReadTimeout):
        _chat(client)
    assert len(seen) == 1


def test_a_success_is_handed_on_unread():
    """So a stream streams: the transport never reads a 2xx body."""
    waits: list[float] = []

    def chunks():
        yield b"data: 1\n\n"
        raise AssertionError("read past the first chunk")

    answers = [httpx2.Response(200, content=chunks())]
    client, _ = _client(answers, Policy((BASE,)), waits)
    with client.stream("POST", BASE + "chat/completions", json={"model": "m"}) as r:
        assert next(r.iter_bytes()) == b"data: 1\n\n"


async def test_async_transport_follows_the_same_rules():
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    answers = [
        httpx2.ConnectError("refused"),
        _error(429, "rate_limit_exceeded", {"retry-after": "2"}),
        _error(404, "model_not_found", param="model"),
        httpx2.Response(200, json={"ok": True}),
    ]
    seen: list[httpx2.Request] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    policy = Policy((BASE, BACKUP), models=("fallback",))
    transport = AsyncGatewayTransport(policy, inner=httpx2.MockTransport(handler), sleep=sleep)
    async with httpx2.AsyncClient(transport=transport) as client:
        r = await client.post(BASE + "chat/completions", json={"model": "first"})
    assert r.json() == {"ok": True} and waits == [2.0]
    assert [(s.url.host, json.loads(s.content)["model"]) for s in seen] == [
        ("primary.test", "first"),
        ("backup.test", "first"),
        ("backup.test", "first"),
        ("primary.test", "fallback"),
    ]

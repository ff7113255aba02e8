"""Attack 3 (the in-stream part), streams past the function's timeout: Lambda cut a stream that
ran into the function's deadline before it settled, so its hold expired unpaid. Streams now
stop reading ``STREAM_SETTLE_MARGIN_S`` before the function's own deadline (the Lambda
context's, else ``FUNCTION_TIMEOUT_S`` from the request's start), send an error event and
``[DONE]``, and settle what was delivered. The JSON path's failover deadline derives from it too."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from _bench import chat, ledger, new_ctx
from starlette.requests import Request

from gateway import clock
from gateway.accounting import tokens
from gateway.api import sse
from gateway.completion import streaming, unary
from gateway.completion.plan import plan as plan_completion
from gateway.errors import AllProvidersFailedError
from gateway.store import accounts

T0 = 1_800_000_000.0


def _text(frames: list[bytes]) -> str:
    out = []
    for f in frames:
        data = f.decode().removeprefix("data: ").strip()
        if data != "[DONE]":
            out += [ch["delta"].get("content") or "" for ch in json.loads(data).get("choices") or []]
    return "".join(out)


async def test_a_stream_stops_before_the_function_deadline_and_settles(bench):
    """The function's clock runs out mid-stream: an error event, then [DONE], and the delivered
    text billed; never a stream Lambda cuts unsettled."""
    bench.fault("anthropic", "slow", delay_ms=20)
    with clock.frozen(T0) as c:
        ctx = new_ctx("late1")
        the_plan = await plan_completion(chat(model="claude-haiku-4-5-20251001", stream=True), ctx)
        stream = await streaming.open_stream(ctx, the_plan)
        frames: list[bytes] = []
        async for frame in sse.encode(streaming.chunks(stream, ctx, the_plan), sse.chat_chunk):
            frames.append(frame)
            if len(frames) == 2:  # two chunks out, then the function's time is nearly up
                c.advance(30 - 5 + 0.01)  # FUNCTION_TIMEOUT_S 30, STREAM_SETTLE_MARGIN_S 5 (defaults)
    assert frames[-1] == sse.DONE
    error = json.loads(frames[-2].decode().removeprefix("data: "))["error"]
    assert error["code"] == "deadline_exceeded"
    delivered = _text(frames)
    assert delivered and not delivered.endswith("real tokens.")  # cut short, not run to the end
    [record] = await ledger("late1")
    assert record["status"] == "partial"
    assert record["completion_tokens"] >= tokens.estimate_text(delivered) and record["total_cost_usd"] > 0
    assert (await accounts.get("k1")).holds == []  # settled: the hold closed, not left to expire


async def test_a_stalled_provider_is_cut_at_the_deadline_too(bench):
    """The provider stops sending mid-stream: the read is cut at the stop time, not waited out."""
    bench.fault("anthropic", "slow", delay_ms=30_000)
    with clock.frozen(T0):
        ctx = new_ctx("late2")
        ctx.deadline = clock.monotonic() + 5 + 0.5  # half a second of stream left before the margin
        the_plan = await plan_completion(chat(model="claude-haiku-4-5-20251001", stream=True), ctx)
        stream = await streaming.open_stream(ctx, the_plan)
        frames = [f async for f in sse.encode(streaming.chunks(stream, ctx, the_plan), sse.chat_chunk)]
    assert frames[-1] == sse.DONE and b"deadline_exceeded" in frames[-2]
    [record] = await ledger("late2")
    assert record["status"] in ("partial", "error") and (await accounts.get("k1")).holds == []


async def test_the_json_path_fails_over_only_until_the_function_deadline(bench):
    with clock.frozen(T0) as c:
        ctx = new_ctx("late3")
        the_plan = await plan_completion(chat(model="claude-haiku-4-5-20251001"), ctx)
        c.advance(30 - 5 + 0.01)  # planning took the time left before the margin
        with pytest.raises(AllProvidersFailedError):
            await unary.complete(ctx, the_plan)
    assert ctx.attempts == 0  # no provider called that could not answer in time
    [record] = await ledger("late3")
    assert record["status"] == "error" and (await accounts.get("k1")).holds == []


def deadline(request: Request) -> float:
    from gateway.api.common import deadline

    return deadline(request)


def _request(scope_extra: dict | None = None, headers: dict[str, str] | None = None) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        **(scope_extra or {}),
    }
    return Request(scope)


def test_the_deadline_comes_from_the_lambda_context_under_mangum():
    ctx = SimpleNamespace(get_remaining_time_in_millis=lambda: 12_000)
    with clock.frozen(T0):
        assert deadline(_request({"aws.context": ctx})) == pytest.approx(clock.monotonic() + 12)


def test_the_deadline_comes_from_the_web_adapters_lambda_context_header():
    with clock.frozen(T0):
        for field in ("deadline", "deadline_ms"):
            header = json.dumps({"request_id": "x", field: int((T0 + 20) * 1000)})
            got = deadline(_request(headers={"x-amzn-lambda-context": header}))
            assert got == pytest.approx(clock.monotonic() + 20)


def test_the_deadline_falls_back_to_the_function_timeout():
    with clock.frozen(T0):
        assert deadline(_request()) == pytest.approx(clock.monotonic() + 30)
        garbage = {"x-amzn-lambda-context": "not json"}
        assert deadline(_request(headers=garbage)) == pytest.approx(clock.monotonic() + 30)

"""Attack 8, failover that stops early: a primary that hangs used the request's whole deadline,
so the backup never had a turn; and a named deployment's failures were recorded under its
adapter's id (``openai``). Each attempt's time to first byte is now budgeted from the time
left and the targets still to try, and every record names the provider that was tried."""

from __future__ import annotations

import pytest
from _bench import chat, ledger, new_ctx

from gateway.api.common import gateway_headers
from gateway.completion import streaming, unary
from gateway.completion.plan import plan as plan_completion
from gateway.errors import AllProvidersFailedError
from gateway.settings import get_settings


@pytest.fixture
def short_deadline(bench, monkeypatch):
    """A 2 s failover deadline: the function's 3 s timeout less the 1 s settle margin."""
    monkeypatch.setenv("FUNCTION_TIMEOUT_S", "3")
    monkeypatch.setenv("STREAM_SETTLE_MARGIN_S", "1")
    monkeypatch.setenv("ATTEMPT_FLOOR_S", "0.5")
    monkeypatch.setenv("OPENAI_READ_TIMEOUT", "30")  # the hang is the deadline's to catch, not httpx's
    get_settings.cache_clear()
    return bench


@pytest.mark.parametrize("stream", [False, True])
async def test_a_hanging_primary_leaves_the_backup_its_turn(short_deadline, stream):
    short_deadline.fault("openai", "timeout", seconds=6)
    rid = f"hang-{stream}"
    ctx = new_ctx(rid)
    req = chat(model="openai/gpt-4o-mini", fallbacks=["anthropic/claude-haiku-4-5-20251001"], stream=stream)
    the_plan = await plan_completion(req, ctx)
    if stream:
        s = await streaming.open_stream(ctx, the_plan)
        out = [c async for c in streaming.chunks(s, ctx, the_plan)]
        served = s.target.provider_id
        assert out[-1].usage.completion_tokens > 0
    else:
        served = (await unary.complete(ctx, the_plan)).provider
    assert served == "anthropic" and ctx.attempts == 2
    [record] = await ledger(rid)
    assert record["status"] == "ok" and record["provider"] == "anthropic" and record["attempts"] == 2


@pytest.mark.parametrize("stream", [False, True])
async def test_a_deployment_is_named_in_records_and_headers(bench, stream):
    bench.fault("openai", "status", status=503)  # the deployment is served by the simulator's OpenAI face
    ctx = new_ctx(f"dep-{stream}")
    the_plan = await plan_completion(chat(model="local-vllm/llama3.1:8b", stream=stream), ctx)
    attempt = streaming.open_stream(ctx, the_plan) if stream else unary.complete(ctx, the_plan)
    with pytest.raises(AllProvidersFailedError) as err:
        await attempt
    envelope = err.value.to_envelope()["error"]
    [record] = envelope["records"]
    assert record["provider"] == "local-vllm" and record["status"] == 503
    assert record["message"].startswith("local-vllm ")
    assert "local-vllm: 503" in envelope["message"]
    assert gateway_headers(ctx, "llama3.1:8b", None, None)["x-gateway-provider"] == "local-vllm"


async def test_a_deployment_failing_over_is_named_then_the_backup_serves(bench):
    bench.fault("openai", "status", status=500)
    ctx = new_ctx("dep-fo")
    req = chat(model="local-vllm/llama3.1:8b", fallbacks=["anthropic/claude-haiku-4-5-20251001"])
    the_plan = await plan_completion(req, ctx)
    completion = await unary.complete(ctx, the_plan)
    assert completion.provider == "anthropic" and ctx.attempts == 2


def test_the_budget_splits_the_time_left_over_the_targets_to_try():
    from gateway.completion.attempts import budget

    assert budget(left=24.0, remaining=3, floor=2.0) == pytest.approx(8.0)
    assert budget(left=24.0, remaining=1, floor=2.0) == pytest.approx(24.0)  # the last gets all
    assert budget(left=3.0, remaining=3, floor=2.0) == pytest.approx(2.0)  # never under the floor...
    assert budget(left=1.0, remaining=3, floor=2.0) == pytest.approx(1.0)  # ...nor past the deadline

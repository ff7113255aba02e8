"""Attack 3 (the JSON part): a non-streaming request whose provider was called but whose answer
never arrived (a read timeout, the connection dropped after the request went out, the deadline
passing mid-request) was settled at $0, though the provider bills the prompt it read. It is
now charged the gateway's best estimate: the prompt's estimated tokens at the target's input
price, flagged estimated. A request that never left (a refused connection) stays $0."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _bench import chat, ledger, new_ctx

from gateway.accounting import tokens
from gateway.catalog.models import get_catalog
from gateway.completion import unary
from gateway.completion.plan import plan as plan_completion
from gateway.errors import AllProvidersFailedError
from gateway.settings import get_settings
from gateway.store import accounts

MODEL = "claude-haiku-4-5-20251001"


async def _fail(rid: str, model: str = f"anthropic/{MODEL}") -> dict:
    ctx = new_ctx(rid)
    req = chat(model=model)
    the_plan = await plan_completion(req, ctx)
    with pytest.raises(AllProvidersFailedError):
        await unary.complete(ctx, the_plan)
    [record] = await ledger(rid)
    assert (await accounts.get("k1")).holds == []
    return record


def _prompt_cost() -> Decimal:
    [served] = [s for s in get_catalog().model(MODEL).providers if s.provider == "anthropic"]
    price = get_catalog().pricing(get_catalog().model(MODEL), served)
    return Decimal(tokens.estimate_prompt(chat(model=MODEL))) * Decimal(str(price.input)) / 1_000_000


def _charged_the_estimate(record: dict) -> None:
    assert record["status"] == "error" and record["provider"] == "anthropic"
    assert record["usage_estimated"] is True
    assert record["prompt_tokens"] == tokens.estimate_prompt(chat(model=MODEL))
    assert record["completion_tokens"] == 0
    assert Decimal(str(record["total_cost_usd"])) == pytest.approx(_prompt_cost())
    assert record["total_cost_usd"] > 0


async def test_a_read_timeout_is_charged_the_prompt_estimate(bench, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_READ_TIMEOUT", "0.3")
    get_settings.cache_clear()
    bench.fault("anthropic", "timeout", seconds=3)
    _charged_the_estimate(await _fail("ua-timeout"))


async def test_a_connection_dropped_after_the_request_went_out_is_charged(bench):
    bench.fault("anthropic", "disconnect", after=0)
    _charged_the_estimate(await _fail("ua-dropped"))


async def test_the_deadline_passing_mid_request_is_charged(bench, monkeypatch):
    monkeypatch.setenv("FUNCTION_TIMEOUT_S", "1.5")
    monkeypatch.setenv("STREAM_SETTLE_MARGIN_S", "1")
    get_settings.cache_clear()
    bench.fault("anthropic", "timeout", seconds=3)
    _charged_the_estimate(await _fail("ua-deadline"))


async def test_a_refused_connection_is_not_charged(bench, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", bench.closed)
    get_settings.cache_clear()
    record = await _fail("ua-refused")
    assert record["status"] == "error" and record["total_cost_usd"] == 0


async def test_a_provider_that_answered_with_an_error_is_not_charged(bench):
    bench.fault("anthropic", "status", status=503)
    record = await _fail("ua-503")
    assert record["status"] == "error" and record["total_cost_usd"] == 0


async def test_a_stream_accepted_then_cut_before_its_first_chunk_is_charged(bench):
    """The provider took the request and opened its stream, then the connection dropped before
    any chunk: it may bill the prompt it read, so the stream is charged the estimate too."""
    from gateway.completion import streaming

    bench.fault("anthropic", "disconnect", after=0)
    ctx, req = new_ctx("ua-stream"), chat(model=f"anthropic/{MODEL}", stream=True)
    the_plan = await plan_completion(req, ctx)
    with pytest.raises(AllProvidersFailedError):
        await streaming.open_stream(ctx, the_plan)
    [record] = await ledger("ua-stream")
    _charged_the_estimate(record)

"""gateway.completion.work with a local DynamoDB: whatever the attempt does (answer, fail over,
raise a bug, get cancelled), the request holds once and settles exactly once; a refused
connection fails over; a client's 400 on the first target is raised before anything is held."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from test_completion_failover import _ctx, _records, env  # noqa: F401  # the fixture, reused

from gateway.accounting.admission import Reserve
from gateway.accounting.pricing import Cost
from gateway.accounting.usage import RawUsage
from gateway.completion import work
from gateway.errors import AllProvidersFailedError, InvalidRequestError, UpstreamConnectionError
from gateway.store import accounts


def _reserve(targets):
    return Reserve(Decimal("0.01"), 0, 1)


async def _plan(ctx, model="dall-e-3", **kw):
    return await work.plan(ctx, model, "images", check=lambda t: None, reserve=_reserve, **kw)


def _done(value="ok", usd="0.04"):
    return work.Done(value, RawUsage(), Cost(Decimal(0), Decimal(usd), Decimal(0)), images=1)


async def _open_holds() -> int:
    return (await accounts.get("k1")).open_holds


async def test_success_settles_once_with_what_was_generated(env):  # noqa: F811 - env is the imported fixture
    ctx = _ctx("w1")
    plan = await _plan(ctx)

    async def call(attempt):
        return _done()

    target, done = await work.run(ctx, plan, call)
    assert target.provider_id == "openai" and done.images == 1
    records = await _records("w1")
    assert len(records) == 1 and records[0]["images"] == 1 and records[0]["status"] == "ok"
    assert records[0]["total_cost_usd"] == Decimal("0.04")
    assert await _open_holds() == 0


async def test_a_failing_target_fails_over_and_one_record_names_the_one_that_served(env):  # noqa: F811 - env is the imported fixture
    ctx = _ctx("w2")
    plan = await _plan(ctx, fallbacks=["gemini-2.5-flash-image"])

    async def call(attempt):
        if attempt.provider == "openai":
            raise UpstreamConnectionError("refused", provider="openai", retryable=True)
        return _done(usd="0.039")

    target, _ = await work.run(ctx, plan, call)
    assert target.provider_id == "gemini" and ctx.attempts == 2
    records = await _records("w2")
    assert len(records) == 1 and records[0]["provider"] == "gemini" and records[0]["attempts"] == 2


@pytest.mark.parametrize("failure", ["all_failed", "bug", "cancelled"])
async def test_every_other_path_settles_once_as_an_error(env, failure):  # noqa: F811 - env is the imported fixture
    ctx = _ctx(f"w3-{failure}")
    plan = await _plan(ctx)

    async def call(attempt):
        if failure == "all_failed":
            raise UpstreamConnectionError("refused", provider="openai", retryable=True)
        if failure == "bug":
            raise RuntimeError("a bug")
        raise asyncio.CancelledError

    expected = {
        "all_failed": AllProvidersFailedError,
        "bug": RuntimeError,
        "cancelled": asyncio.CancelledError,
    }
    with pytest.raises(expected[failure]):
        await work.run(ctx, plan, call)
    records = await _records(f"w3-{failure}")
    assert len(records) == 1 and records[0]["status"] == "error" and records[0]["total_cost_usd"] == 0
    assert await _open_holds() == 0


async def test_the_first_targets_refusal_is_the_clients_and_nothing_is_held(env):  # noqa: F811 - env is the imported fixture
    ctx = _ctx("w4")

    def check(target):
        raise InvalidRequestError("no such size", param="size")

    with pytest.raises(InvalidRequestError):
        await work.plan(ctx, "dall-e-3", "images", check=check, reserve=_reserve)
    assert await _records("w4") == []


async def test_the_capability_filter(env):  # noqa: F811 - env is the imported fixture
    with pytest.raises(InvalidRequestError) as err:
        await _plan(_ctx("w5"), model="gpt-4o-mini")
    assert err.value.code == "model_not_supported" and err.value.param == "model"
    with pytest.raises(InvalidRequestError) as err:
        await _plan(_ctx("w6"), fallbacks=["gpt-4o"])
    assert err.value.param == "fallbacks[0]"

"""Admission and settlement against a local DynamoDB: one round trip each, holds that expire."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from gateway import clock as gateway_clock
from gateway.accounting import admission as accounting
from gateway.accounting import settlement
from gateway.accounting.pricing import Cost, price
from gateway.accounting.settlement import Outcome
from gateway.accounting.usage import RawUsage
from gateway.catalog.models import get_catalog
from gateway.catalog.targets import resolve
from gateway.context import Principal, RequestContext, current_context
from gateway.errors import BudgetExceededError, InsufficientBalanceError, RateLimitError
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings
from gateway.store import accounts as limits

T0 = 1_800_000_000.0  # a minute boundary plus nothing: 2027-01-15T08:00:00Z


@pytest.fixture
def clock() -> Iterator[gateway_clock.FrozenClock]:
    accounting.forget()
    with gateway_clock.frozen(T0 + 5) as c:
        yield c
    accounting.forget()


async def _settle(ctx: RequestContext, admission: accounting.Admission, outcome: Outcome) -> None:
    await settlement.settle(ctx, admission, settlement.usage_record(ctx, outcome))


def _request(max_tokens: int = 5) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "gpt-4", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": max_tokens}
    )


def _ctx(rid: str, managed: bool = True, **lim) -> RequestContext:
    """A request of principal k1; ``managed``: its limits are the admin's (any model on the free tier)."""
    ctx = RequestContext(request_id=rid, principal=Principal(id="k1", limits=lim, managed=managed))
    current_context.set(ctx)
    return ctx


def _targets(req: ChatCompletionRequest):
    return resolve(get_catalog(), get_settings(), req.model)


def _ok(req: ChatCompletionRequest, prompt: int = 9, completion: int = 5) -> Outcome:
    usage = RawUsage(prompt, completion, reported=True)
    return Outcome("ok", "gpt-4", "openai", usage, price(usage, _targets(req)[0].pricing))


HOLD = (Decimal(12) * 30 + Decimal(5) * 60) / 1_000_000  # ceil(9 * 1.25) prompt tokens, 5 out, gpt-4
ACTUAL = (Decimal(9) * 30 + Decimal(5) * 60) / 1_000_000


async def test_reservation_is_the_most_expensive_target_and_max_tokens():
    req = ChatCompletionRequest.model_validate(
        {
            "model": "gpt-4o-mini",
            "fallbacks": ["gpt-4"],
            "messages": [{"role": "user", "content": "Hello"}],
            "max_tokens": 5,
        }
    )
    usd, toks = accounting.reservation(req, _targets(req) + resolve(get_catalog(), get_settings(), "gpt-4"))
    assert usd == HOLD and toks == 12 + 5
    no_max = ChatCompletionRequest.model_validate(
        {"model": "gpt-4", "messages": [{"role": "user", "content": "Hello"}]}
    )
    assert (
        accounting.reservation(no_max, _targets(no_max))[0]
        == (Decimal(12) * 30 + Decimal(8192) * 60) / 1_000_000
    )


async def test_admission_and_settlement_round_trips(store, clock):
    """A free request: the gateway-wide free-tier allowance, then the account (one conditional
    update); settlement is one transaction."""
    req = _request()
    ctx = _ctx("r1", daily_budget_usd=Decimal("1"), rpm=10, tpm=1000)
    admission = await accounting.admit(ctx, req, _targets(req))
    assert ctx.store_calls == 2
    assert ctx.limit_headers["x-ratelimit-remaining-requests"] == "9"
    assert ctx.limit_headers["x-gateway-budget-remaining"] == str(Decimal(1) - HOLD).rstrip("0")
    await _settle(ctx, admission, _ok(req))
    assert ctx.store_calls == 3
    assert Decimal(ctx.limit_headers["x-gateway-budget-remaining"]) == Decimal(1) - ACTUAL
    account = await limits.get("k1")
    now = clock.now()
    assert account.spent_usd(now) == ACTUAL == account.committed_usd(now)
    assert account.holds == [] and account.free_used == 1


async def test_a_crashed_requests_hold_is_charged_its_reservation_once(store, clock):
    """A request that never settles (its container died) is charged what it held, recorded as
    expired, and frees its slot; if it settles after all, nothing is charged twice."""
    from gateway.store import ledger

    req = _request()
    crashed = _ctx("crashed", max_concurrent=1)
    crashed_admission = await accounting.admit(crashed, req, _targets(req))  # never settled
    with pytest.raises(RateLimitError) as busy:
        await accounting.admit(_ctx("r2", max_concurrent=1), req, _targets(req))
    assert busy.value.code == "concurrency_limit_exceeded"
    clock.advance(get_settings().hold_ttl_s + 1)
    ctx = _ctx("r3", max_concurrent=1)
    admission = await accounting.admit(ctx, req, _targets(req))  # the expired hold is settled, then admitted
    account = await limits.get("k1")
    assert [h.request_id for h in account.holds] == ["r3"] and account.open_holds == 1
    assert account.spent_usd(clock.now()) == HOLD  # charged at its reservation, not refunded
    [expired] = [r for r in await _ledger("k1") if r["request_id"] == "crashed"]
    assert expired["status"] == "expired" and expired["usage_estimated"] is True
    assert expired["total_cost_usd"] == HOLD
    assert expired["sk"] == ledger.record_item(settlement.usage_record(crashed, _ok(req)))["sk"]
    # The crashed request comes back after all: its settlement finds the record and charges nothing.
    await _settle(crashed, crashed_admission, _ok(req))
    await _settle(ctx, admission, _ok(req))
    account = await limits.get("k1")
    assert account.spent_usd(clock.now()) == HOLD + ACTUAL == account.committed_usd(clock.now())
    assert account.open_holds == 0 and len(await _ledger("k1")) == 2


async def _ledger(key_id: str) -> list[dict]:
    from gateway.store.dynamo import call, from_item

    resp = await call(
        "query",
        TableName=get_settings().usage_table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :req)",
        ExpressionAttributeValues={":pk": {"S": f"KEY#{key_id}"}, ":req": {"S": "REQ#"}},
    )
    return [from_item(i) for i in resp["Items"]]


async def test_expired_holds_are_settled_exactly_once(store, clock):
    from gateway.accounting.expiry import settle_expired

    req = _request()
    await accounting.admit(_ctx("gone"), req, _targets(req))
    clock.advance(get_settings().hold_ttl_s + 1)
    account = await limits.get("k1")
    assert await settle_expired(account, clock.now()) == 1
    assert await settle_expired(account, clock.now()) == 0  # the same view again: nothing twice
    after = await limits.get("k1")
    assert after.holds == [] and after.spent_usd(clock.now()) == HOLD == after.committed_usd(clock.now())


async def test_rpm_window_is_fixed_per_minute(store, clock):
    req = _request()
    for i in range(2):
        await accounting.admit(_ctx(f"a{i}", rpm=2), req, _targets(req))
    with pytest.raises(RateLimitError) as exc:
        await accounting.admit(_ctx("a2", rpm=2), req, _targets(req))
    assert exc.value.extra["retry_after"] == 55 and exc.value.headers["retry-after"] == "55"
    clock.advance(60)
    await accounting.admit(_ctx("a3", rpm=2), req, _targets(req))
    assert (await limits.get("k1")).requests_in_minute(T0) == 2  # the previous window, kept one minute
    clock.advance(120)
    await accounting.admit(_ctx("a4", rpm=2), req, _targets(req))
    await accounting.admit(_ctx("a5", rpm=2), req, _targets(req))  # removes what a4 saw as stale
    assert (await limits.get("k1")).requests_in_minute(T0) == 0


async def test_free_tier_then_wallet(store, clock):
    from gateway.store import wallet

    req = _request()
    ctx = _ctx("f1", free_requests=1)
    await _settle(ctx, await accounting.admit(ctx, req, _targets(req)), _ok(req))
    with pytest.raises(InsufficientBalanceError) as exc:
        await accounting.admit(_ctx("f2", free_requests=1), req, _targets(req))
    assert "/v1/wallet/fund" in exc.value.message
    inv = await wallet.create_invoice("inv_1", "k1", 1000, Decimal("0.4"), "local", "h", "lnbc")
    assert await wallet.credit(inv) is True
    ctx = _ctx("f3", free_requests=1)
    admission = await accounting.admit(ctx, req, _targets(req))
    assert ctx.store_calls == 1  # this container already knows the free tier is used up
    assert admission.hold.mode == "paid"
    await _settle(ctx, admission, _ok(req))
    account = await limits.get("k1")
    assert account.balance_usd == Decimal("0.4") - ACTUAL == account.available_usd
    assert account.free_used == 1


async def test_failed_requests_give_back_their_free_request(store, clock):
    req = _request()
    ctx = _ctx("e1")
    admission = await accounting.admit(ctx, req, _targets(req))
    failed = Outcome(
        "error", "gpt-4", None, RawUsage(), Cost(Decimal(0), Decimal(0), Decimal(0)), error_code="x"
    )
    await _settle(ctx, admission, failed)
    account = await limits.get("k1")
    assert account.free_used == 0 and account.committed_usd(clock.now()) == 0


async def test_the_hold_covers_every_choice_of_n(store, clock):
    """``n`` choices can each use max_tokens: a hold of one choice lets spend pass the budget."""
    req = ChatCompletionRequest.model_validate(
        {"model": "gpt-4", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 5, "n": 3}
    )
    assert accounting.reservation(req, _targets(req))[0] == (Decimal(12) * 30 + Decimal(15) * 60) / 1_000_000
    budget = HOLD  # room for one choice only
    ctx = _ctx("n1", daily_budget_usd=budget)
    with pytest.raises(BudgetExceededError):  # else 3 choices settle at more than the budget
        await accounting.admit(ctx, req, _targets(req))
    assert (await limits.get("k1")).holds == []


async def test_a_failed_cleanup_after_admission_does_not_strand_the_hold(store, clock, monkeypatch):
    """Releasing someone else's expired hold is housekeeping: when it fails after this request
    was admitted, the request goes on (its hold is its settlement's to close), not out unsettled."""
    from gateway.errors import StoreUnavailableError

    req = _request()
    await accounting.admit(_ctx("crashed"), req, _targets(req))  # never settled
    clock.advance(get_settings().hold_ttl_s + 1)

    async def down(*a, **kw):
        raise StoreUnavailableError("down")

    from gateway.accounting import expiry

    monkeypatch.setattr(expiry, "settle_expired", down)
    ctx = _ctx("r2")
    admission = await accounting.admit(ctx, req, _targets(req))
    await _settle(ctx, admission, _ok(req))
    assert [h.request_id for h in (await limits.get("k1")).holds] == ["crashed"]


async def test_the_hold_covers_a_target_that_drops_max_tokens():
    """With drop_params, a target that cannot take max_tokens gets the request without it and
    may answer up to the model's own limit: that is what its hold must cover."""
    from gateway.accounting.pricing import max_cost

    req = ChatCompletionRequest.model_validate(
        {
            "model": "gpt-4o-mini",
            "fallbacks": ["o4-mini"],
            "drop_params": True,
            "messages": [{"role": "user", "content": "Hello"}],
            "max_tokens": 5,
        }
    )
    targets = _targets(req) + resolve(get_catalog(), get_settings(), "o4-mini")
    o4 = targets[-1]
    assert accounting.reservation(req, targets)[0] >= max_cost(12, o4.model.max_output_tokens, o4.pricing)

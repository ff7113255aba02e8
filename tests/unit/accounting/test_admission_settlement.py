"""Admission and settlement against a local DynamoDB: one round trip each, holds that expire."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.accounting import admission as accounting
from gateway.accounting.admission import Outcome
from gateway.accounting.pricing import Cost, price
from gateway.catalog.models import get_catalog
from gateway.context import Principal, RequestContext
from gateway.errors import BudgetExceededError, InsufficientBalanceError, RateLimitError
from gateway.accounting.usage import RawUsage
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings
from gateway.store import accounts as limits
from gateway.context import current_context
from gateway.catalog.targets import resolve

T0 = 1_800_000_000.0  # a minute boundary plus nothing: 2027-01-15T08:00:00Z


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(T0 + 5)
    monkeypatch.setattr(accounting, "time", c)
    accounting._paid_until.clear()
    accounting._stale.clear()
    return c


def _request(max_tokens: int = 5) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "gpt-4", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": max_tokens})


def _ctx(rid: str, **lim) -> RequestContext:  # type: ignore[no-untyped-def]
    ctx = RequestContext(request_id=rid, principal=Principal(id="k1", limits=lim))
    current_context.set(ctx)
    return ctx


def _targets(req: ChatCompletionRequest):  # type: ignore[no-untyped-def]
    return resolve(get_catalog(), get_settings(), req.model)


def _ok(req: ChatCompletionRequest, prompt: int = 9, completion: int = 5) -> Outcome:
    usage = RawUsage(prompt, completion, reported=True)
    return Outcome("ok", "gpt-4", "openai", usage, price(usage, _targets(req)[0].pricing))


HOLD = (Decimal(12) * 30 + Decimal(5) * 60) / 1_000_000  # ceil(9 * 1.25) prompt tokens, 5 out, gpt-4
ACTUAL = (Decimal(9) * 30 + Decimal(5) * 60) / 1_000_000


async def test_reservation_is_the_most_expensive_target_and_max_tokens():
    req = ChatCompletionRequest.model_validate({"model": "gpt-4o-mini", "fallbacks": ["gpt-4"],
                                                "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 5})
    usd, toks = accounting.reservation(req, _targets(req) + resolve(get_catalog(), get_settings(), "gpt-4"))
    assert usd == HOLD and toks == 12 + 5
    no_max = ChatCompletionRequest.model_validate({"model": "gpt-4", "messages": [{"role": "user", "content": "Hello"}]})
    assert accounting.reservation(no_max, _targets(no_max))[0] == (Decimal(12) * 30 + Decimal(8192) * 60) / 1_000_000


async def test_admission_and_settlement_are_one_round_trip_each(store, clock):
    req = _request()
    ctx = _ctx("r1", daily_budget_usd=Decimal("1"), rpm=10, tpm=1000)
    admission = await accounting.admit(ctx, req, _targets(req))
    assert ctx.store_calls == 1
    assert ctx.extra["limit_headers"]["x-ratelimit-remaining-requests"] == "9"
    assert ctx.extra["limit_headers"]["x-gateway-budget-remaining"] == str(Decimal(1) - HOLD).rstrip("0")
    await accounting.settle(ctx, admission, _ok(req))
    assert ctx.store_calls == 2
    assert Decimal(ctx.extra["limit_headers"]["x-gateway-budget-remaining"]) == Decimal(1) - ACTUAL
    item = await limits.get("k1")
    day = limits.day_of(clock.now)
    assert limits.usd(item, f"d#{day}#s") == ACTUAL == limits.usd(item, f"d#{day}#c")
    assert limits.holds(item) == [] and item["free_used"] == 1


async def test_a_crashed_requests_hold_expires_and_never_causes_a_wrong_refusal(store, clock):
    req = _request()
    budget = HOLD  # room for exactly one hold
    await accounting.admit(_ctx("crashed", daily_budget_usd=budget), req, _targets(req))  # never settled
    with pytest.raises(BudgetExceededError) as refused:
        await accounting.admit(_ctx("r2", daily_budget_usd=budget), req, _targets(req))
    assert refused.value.extra["retry_after"] > 0 and refused.value.extra["reset_at"].endswith("T00:00:00+00:00")
    clock.now += limits.HOLD_TTL_S + 1
    ctx = _ctx("r3", daily_budget_usd=budget)
    admission = await accounting.admit(ctx, req, _targets(req))  # the expired hold is released, then admitted
    item = await limits.get("k1")
    assert [h.request_id for h in limits.holds(item)] == ["r3"]
    assert limits.usd(item, f"d#{admission.hold.day}#c") == HOLD
    # The crashed request comes back after all: it is charged, once, without releasing anything twice.
    late = accounting.Admission(HOLD, limits.Hold("crashed", HOLD, Decimal(0), int(T0), admission.hold.day, 17,
                                                  limits.minute_of(T0), "free"), budget, HOLD)
    await accounting.settle(_ctx("crashed", daily_budget_usd=budget), late, _ok(req))
    await accounting.settle(ctx, admission, _ok(req))
    item = await limits.get("k1")
    assert limits.usd(item, f"d#{admission.hold.day}#c") == 2 * ACTUAL == limits.usd(item, f"d#{admission.hold.day}#s")


async def test_release_is_exactly_once(store):
    ask = limits.Ask("k2", "rid", Decimal("0.5"), 10, T0, "free")
    item = await limits.admit(ask)
    assert await limits.release_expired("k2", item, now=T0 + limits.HOLD_TTL_S + 1) == 1
    assert await limits.release_expired("k2", item, now=T0 + limits.HOLD_TTL_S + 1) == 0
    after = await limits.get("k2")
    assert limits.usd(after, f"d#{limits.day_of(T0)}#c") == 0 and limits.holds(after) == []


async def test_rpm_window_is_fixed_per_minute(store, clock):
    req = _request()
    for i in range(2):
        await accounting.admit(_ctx(f"a{i}", rpm=2), req, _targets(req))
    with pytest.raises(RateLimitError) as exc:
        await accounting.admit(_ctx("a2", rpm=2), req, _targets(req))
    assert exc.value.extra["retry_after"] == 55 and exc.value.headers["retry-after"] == "55"
    clock.now += 60
    await accounting.admit(_ctx("a3", rpm=2), req, _targets(req))
    item = await limits.get("k1")
    assert f"m#{limits.minute_of(T0)}#r" in item  # the previous window, kept one minute
    clock.now += 120
    await accounting.admit(_ctx("a4", rpm=2), req, _targets(req))
    await accounting.admit(_ctx("a5", rpm=2), req, _targets(req))  # removes what a4 saw as stale
    assert f"m#{limits.minute_of(T0)}#r" not in await limits.get("k1")


async def test_free_tier_then_wallet(store, clock):
    from gateway.store import wallet

    req = _request()
    ctx = _ctx("f1", free_requests=1)
    await accounting.settle(ctx, await accounting.admit(ctx, req, _targets(req)), _ok(req))
    with pytest.raises(InsufficientBalanceError) as exc:
        await accounting.admit(_ctx("f2", free_requests=1), req, _targets(req))
    assert "/v1/wallet/fund" in exc.value.message
    inv = await wallet.create_invoice("inv_1", "k1", 1000, Decimal("0.4"), "local", "h", "lnbc")
    assert await wallet.credit(inv) is True
    ctx = _ctx("f3", free_requests=1)
    admission = await accounting.admit(ctx, req, _targets(req))
    assert ctx.store_calls == 1  # this container already knows the free tier is used up
    assert admission.hold.mode == "paid"
    await accounting.settle(ctx, admission, _ok(req))
    item = await limits.get("k1")
    assert limits.usd(item, "balance_nusd") == Decimal("0.4") - ACTUAL == limits.usd(item, "available_nusd")
    assert item["free_used"] == 1


async def test_failed_requests_give_back_their_free_request(store, clock):
    req = _request()
    ctx = _ctx("e1")
    admission = await accounting.admit(ctx, req, _targets(req))
    failed = Outcome("error", "gpt-4", None, RawUsage(), Cost(Decimal(0), Decimal(0), Decimal(0)), error_code="x")
    await accounting.settle(ctx, admission, failed)
    item = await limits.get("k1")
    assert item["free_used"] == 0 and limits.usd(item, f"d#{admission.hold.day}#c") == 0


async def test_the_hold_covers_every_choice_of_n(store, clock):
    """``n`` choices can each use max_tokens: a hold of one choice lets spend pass the budget."""
    req = ChatCompletionRequest.model_validate(
        {"model": "gpt-4", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 5, "n": 3})
    assert accounting.reservation(req, _targets(req))[0] == (Decimal(12) * 30 + Decimal(15) * 60) / 1_000_000
    budget = HOLD  # room for one choice only
    ctx = _ctx("n1", daily_budget_usd=budget)
    with pytest.raises(BudgetExceededError):  # else 3 choices settle at more than the budget
        await accounting.admit(ctx, req, _targets(req))
    assert limits.holds(await limits.get("k1")) == []


async def test_a_failed_cleanup_after_admission_does_not_strand_the_hold(store, clock, monkeypatch):
    """Releasing someone else's expired hold is housekeeping: when it fails after this request
    was admitted, the request goes on (its hold is its settlement's to close), not out unsettled."""
    from gateway.errors import StoreUnavailableError

    req = _request()
    await accounting.admit(_ctx("crashed"), req, _targets(req))  # never settled
    clock.now += limits.HOLD_TTL_S + 1

    async def down(*a, **kw):  # type: ignore[no-untyped-def]
        raise StoreUnavailableError("down")

    monkeypatch.setattr(limits, "release_expired", down)
    ctx = _ctx("r2")
    admission = await accounting.admit(ctx, req, _targets(req))
    await accounting.settle(ctx, admission, _ok(req))
    assert [h.request_id for h in limits.holds(await limits.get("k1"))] == ["crashed"]


async def test_the_hold_covers_a_target_that_drops_max_tokens():
    """With drop_params, a target that cannot take max_tokens gets the request without it and
    may answer up to the model's own limit: that is what its hold must cover."""
    from gateway.accounting.pricing import max_cost

    req = ChatCompletionRequest.model_validate({"model": "gpt-4o-mini", "fallbacks": ["o4-mini"], "drop_params": True,
                                                "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 5})
    targets = _targets(req) + resolve(get_catalog(), get_settings(), "o4-mini")
    o4 = targets[-1]
    assert accounting.reservation(req, targets)[0] >= max_cost(12, o4.model.max_output_tokens, o4.pricing)

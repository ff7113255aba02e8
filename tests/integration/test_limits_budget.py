"""The daily budget under concurrency: 200 requests at once against a budget that fits about 50."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tests.integration._accounts import (
    account,
    chat,
    concurrently,
    create_key,
    ledger,
    open_holds,
    spent_today,
    usd,
)

pytestmark = pytest.mark.integration

# gpt-4: $30 / $60 per million tokens. "Hello" is 9 prompt tokens (estimate and simulator agree),
# held at ceil(9 * 1.25) = 12; max_tokens=5 and the simulator's reply is longer, so 5 completion tokens.
HOLD = (Decimal(12) * 30 + Decimal(5) * 60) / 1_000_000
ACTUAL = (Decimal(9) * 30 + Decimal(5) * 60) / 1_000_000
BUDGET = HOLD * 50


def test_200_concurrent_requests_never_spend_above_the_budget(stack):
    key = create_key(stack, "budget-200", daily_budget_usd=float(BUDGET))
    responses = concurrently(stack, 200, lambda c: chat(c, key["key"], model="gpt-4", max_tokens=5))

    ok = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    assert all(r.status_code == 429 for r in refused), {r.status_code for r in refused}
    for r in refused:
        err = r.json()["error"]
        assert err["code"] == "budget_exceeded" and err["type"] == "rate_limit_error"
        assert err["retry_after"] == int(r.headers["retry-after"]) > 0
        assert err["reset_at"].endswith("+00:00")
    # Every admitted request held HOLD while in flight, so at least 50 fit; settled ones release
    # HOLD - ACTUAL each, which lets a few more in, never past the budget.
    assert 50 <= len(ok) <= math.floor(BUDGET / ACTUAL), len(ok)
    assert refused, "a budget that fits about 50 must refuse some of 200"

    item = account(stack, key["id"])
    spent = spent_today(item)
    records = ledger(stack, key["id"])
    assert spent <= BUDGET
    assert len(records) == len(ok)
    assert sum(Decimal(str(r["total_cost_usd"])) for r in records) == spent  # the ledger adds up exactly
    assert sum(Decimal(r.headers["x-gateway-cost"]) for r in ok) == spent
    assert spent == ACTUAL * len(ok)
    assert open_holds(item) == []  # no reservation leaked
    day_committed = next(k for k in item if k.endswith("#c"))
    assert usd(item, day_committed) == spent
    remaining = sorted(Decimal(r.headers["x-gateway-budget-remaining"]) for r in ok)
    assert remaining[0] >= 0 and remaining[-1] <= BUDGET


def test_budget_headers_and_refusal_of_a_request_bigger_than_the_budget(stack):
    key = create_key(stack, "budget-small", daily_budget_usd=0.01)
    with stack.http() as c:
        r = chat(c, key["key"], model="gpt-4", max_tokens=5)
        assert r.status_code == 200
        assert Decimal(r.headers["x-gateway-budget-remaining"]) == Decimal("0.01") - ACTUAL
        for name in (
            "x-gateway-provider",
            "x-gateway-model",
            "x-gateway-cost",
            "x-gateway-tier",
            "x-request-id",
        ):
            assert r.headers[name]
        # Streaming responses carry the same headers (budget remaining as of admission: hold included).
        body = {
            "model": "gpt-4",
            "messages": [{"role": "user", "content": "Hello"}],
            "max_tokens": 5,
            "stream": True,
        }
        with c.stream("POST", "/v1/chat/completions", json=body, headers={"x-api-key": key["key"]}) as s:
            assert s.status_code == 200
            held = Decimal(s.headers["x-gateway-budget-remaining"])
            assert held == Decimal("0.01") - ACTUAL - HOLD
            assert s.headers["x-gateway-provider"] == "openai" and s.headers["x-gateway-tier"]
            assert "data: [DONE]" in "".join(s.iter_text())
        # Without max_tokens the hold is the model's whole max_output_tokens: more than the budget.
        big = chat(c, key["key"], model="gpt-4")
    assert big.status_code == 429
    assert big.json()["error"]["code"] == "budget_exceeded"
    assert (
        "max_tokens" in big.json()["error"]["message"] or "may cost up to" in big.json()["error"]["message"]
    )

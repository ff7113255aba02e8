from decimal import Decimal

import pytest

from gateway.accounting.pricing import max_cost, price, to_usage
from gateway.accounting.usage import RawUsage
from gateway.catalog.models import Pricing

SONNET = Pricing(input=3.0, output=15.0, cached_input=0.3, cache_write=3.75)
MINI = Pricing(input=0.15, output=0.6, cached_input=0.075)


def test_plain_usage_is_tokens_times_price():
    cost = price(RawUsage(prompt_tokens=1000, completion_tokens=500), MINI)
    assert cost.input == Decimal("0.000150000")
    assert cost.output == Decimal("0.000300000")
    assert cost.cache_input == 0
    assert cost.total == Decimal("0.00045")


def test_cached_and_written_tokens_priced_apart():
    # 10,000 prompt tokens: 6,000 read from cache, 2,000 written to it, 2,000 plain.
    cost = price(
        RawUsage(prompt_tokens=10_000, completion_tokens=100, cached_tokens=6000, cache_write_tokens=2000),
        SONNET,
    )
    assert cost.cache_input == Decimal("0.0018")  # 6000 * 0.30 / 1e6
    assert cost.input == Decimal("0.0135")  # 2000 * 3.00 / 1e6 + 2000 * 3.75 / 1e6
    assert cost.output == Decimal("0.0015")


def test_no_cache_price_means_cached_tokens_at_input_price():
    cost = price(RawUsage(prompt_tokens=100, cached_tokens=100), Pricing(input=1.0, output=2.0))
    assert cost.cache_input == Decimal("0.0001") and cost.input == 0


def test_cached_never_exceeds_prompt():
    cost = price(RawUsage(prompt_tokens=10, cached_tokens=50), MINI)
    assert cost.cache_input == Decimal(10) * Decimal("0.075") / Decimal(1_000_000)


def test_ledger_sums_exactly():
    # A million tiny requests must add up exactly: Decimal, not float.
    one = price(RawUsage(prompt_tokens=7, completion_tokens=3), MINI).total
    assert one * 1_000_000 == Decimal("2.85")


def test_max_cost_bounds_any_outcome():
    bound = max_cost(1000, 200, SONNET)
    for u in (
        RawUsage(1000, 200),
        RawUsage(1000, 200, cached_tokens=500),
        RawUsage(1000, 200, cache_write_tokens=1000),
    ):
        assert price(u, SONNET).total <= bound


def test_usage_view_rounds_latency_and_keeps_costs():
    usage = to_usage(
        RawUsage(10, 5, cached_tokens=4),
        price(RawUsage(10, 5, cached_tokens=4), MINI),
        latency_ms=12.3456,
        ttft_ms=3.21,
    )
    assert usage.total_tokens == 15
    assert usage.prompt_tokens_details.cached_tokens == 4
    assert usage.latency_ms == 12.35
    assert usage.total_cost_usd == pytest.approx(
        usage.input_cost_usd + usage.output_cost_usd + usage.cache_input_cost_usd
    )

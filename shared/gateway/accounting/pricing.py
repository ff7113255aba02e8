"""What a request cost: token counts times the catalog's prices, exactly.

Costs are computed in ``Decimal`` (prices are per million tokens) so that the ledger adds
up to the cent however many records it holds; the response carries them as floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from gateway.schemas.usage import PromptTokensDetails, Usage

if TYPE_CHECKING:
    from gateway.accounting.usage import RawUsage
    from gateway.catalog.models import Pricing

_PER_TOKEN = Decimal(1_000_000)
_QUANTUM = Decimal("0.000000001")  # a nano-dollar: far below any price step


def _d(x: float | None) -> Decimal:
    return Decimal(str(x)) if x is not None else Decimal(0)


@dataclass(frozen=True, slots=True)
class Cost:
    input: Decimal
    output: Decimal
    cache_input: Decimal

    @property
    def total(self) -> Decimal:
        return self.input + self.output + self.cache_input


def price(usage: RawUsage, pricing: Pricing) -> Cost:
    """Price usage. Cached reads at ``cached_input``, cache writes at ``cache_write``, both
    falling back to the input price where the catalog gives none; the rest at ``input``."""
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    written = min(usage.cache_write_tokens, usage.prompt_tokens - cached)
    uncached = usage.prompt_tokens - cached - written
    in_price, out_price = _d(pricing.input), _d(pricing.output)
    cached_price = _d(pricing.cached_input) if pricing.cached_input is not None else in_price
    write_price = _d(pricing.cache_write) if pricing.cache_write is not None else in_price
    return Cost(
        input=((uncached * in_price + written * write_price) / _PER_TOKEN).quantize(_QUANTUM),
        output=(usage.completion_tokens * out_price / _PER_TOKEN).quantize(_QUANTUM),
        cache_input=(cached * cached_price / _PER_TOKEN).quantize(_QUANTUM),
    )


def max_cost(prompt_tokens: int, max_output_tokens: int, pricing: Pricing) -> Decimal:
    """The most a request can cost: every input token uncached, every output token used."""
    return (
        (
            prompt_tokens * max(_d(pricing.input), _d(pricing.cache_write))
            + max_output_tokens * _d(pricing.output)
        )
        / _PER_TOKEN
    ).quantize(_QUANTUM)


def to_usage(usage: RawUsage, cost: Cost, *, latency_ms: float | None, ttft_ms: float | None) -> Usage:
    details = None
    if usage.cached_tokens or usage.cache_write_tokens:
        details = PromptTokensDetails(
            cached_tokens=usage.cached_tokens, cache_write_tokens=usage.cache_write_tokens or None
        )
    return Usage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.prompt_tokens + usage.completion_tokens,
        prompt_tokens_details=details,
        input_cost_usd=float(cost.input),
        output_cost_usd=float(cost.output),
        cache_input_cost_usd=float(cost.cache_input),
        total_cost_usd=float(cost.total),
        latency_ms=None if latency_ms is None else round(latency_ms, 2),
        ttft_ms=None if ttft_ms is None else round(ttft_ms, 2),
    )


def price_images(count: int, unit_usd: float) -> Cost:
    """``count`` images at the catalog's per-image price (charged as output)."""
    return Cost(Decimal(0), (count * _d(unit_usd)).quantize(_QUANTUM), Decimal(0))


def billed_seconds(seconds: float, pricing: Pricing) -> float:
    """The seconds a provider bills: the audio's duration, at least its per-request minimum."""
    return max(seconds, pricing.min_billed_seconds or 0.0)


def price_audio(seconds: float, pricing: Pricing) -> Cost:
    """Billed seconds at the catalog's per-minute price (charged as input)."""
    minutes = Decimal(str(round(billed_seconds(seconds, pricing), 3))) / 60
    return Cost((minutes * _d(pricing.per_minute)).quantize(_QUANTUM), Decimal(0), Decimal(0))

"""A request priced at $0 (a self-hosted deployment with no price) still settles exactly once."""

from decimal import Decimal

from gateway.accounting.pricing import Cost
from gateway.accounting.settlement import Outcome, usage_record
from gateway.accounting.usage import RawUsage
from gateway.context import Principal, RequestContext
from gateway.store import settlement


async def test_zero_cost_request_is_recorded(store):
    zero = Decimal("0E-9")
    ctx = RequestContext(request_id="req-zero", principal=Principal(id="k0"))
    outcome = Outcome(
        status="ok", model="m", provider="p", usage=RawUsage(5, 3, reported=True), cost=Cost(zero, zero, zero)
    )
    assert await settlement.record(usage_record(ctx, outcome)) is not False
    assert await settlement.record(usage_record(ctx, outcome)) is False  # a replay writes nothing

"""A store that cannot be reached is a 503 the client can retry, never a 500; settlement
failures after a provider answered keep the answer and log the full record."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from gateway.errors import StoreUnavailableError
from gateway.store import dynamo


class _Client:
    def __init__(self, exc):
        self.exc = exc

    def get_item(self, **kw):
        raise self.exc


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "GetItem"),
])
async def test_transient_store_failures_are_503(monkeypatch, exc):
    monkeypatch.setattr(dynamo, "client", lambda: _Client(exc))
    with pytest.raises(StoreUnavailableError) as info:
        await dynamo.call("get_item", TableName="t", Key={})
    assert info.value.status == 503 and info.value.headers["retry-after"] == "1"


async def test_conditional_failures_reach_the_caller(monkeypatch):
    exc = ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}, "PutItem")
    monkeypatch.setattr(dynamo, "client", lambda: _Client(exc))
    with pytest.raises(ClientError):
        await dynamo.call("get_item", TableName="t", Key={})


async def test_unsettled_usage_is_logged_in_full(monkeypatch):
    from decimal import Decimal

    from gateway import accounting, chat
    from gateway.billing import Cost
    from gateway.context import Principal, RequestContext
    from gateway.providers.base import RawUsage

    async def failing_settle(ctx, admission, outcome):
        raise StoreUnavailableError("down")

    monkeypatch.setattr(accounting, "settle", failing_settle)
    ctx = RequestContext(request_id="req-lost", principal=Principal(id="k1"))
    outcome = accounting.Outcome(status="ok", model="gpt-4o-mini", provider="openai", usage=RawUsage(10, 5, reported=True),
                                 cost=Cost(Decimal("0.0000015"), Decimal("0.000003"), Decimal(0)))
    records = []
    monkeypatch.setattr(chat.logger, "error", lambda msg, extra=None: records.append(extra))
    await chat._settle(ctx, accounting.Admission(), outcome)
    assert records and records[0]["unsettled_usage"]["request_id"] == "req-lost"
    assert records[0]["unsettled_usage"]["total_cost_usd"] == Decimal("0.0000045")

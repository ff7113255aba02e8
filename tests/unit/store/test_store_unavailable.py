"""A store that cannot be reached is a 503 the client can retry, never a 500; conditional
failures keep botocore's ClientError shape; settlement failures after a provider answered
keep the answer and log the full record."""

from decimal import Decimal

import httpx
import pytest
from botocore.exceptions import ClientError

from gateway.errors import StoreUnavailableError
from gateway.store import dynamo as store_door
from gateway.store import dynamo


@pytest.fixture
def dynamo_answers(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    dynamo.reset_client()
    seen = []

    def install(handler):
        def wrapped(request):
            seen.append(request)
            return handler(request)

        client = httpx.AsyncClient(transport=httpx.MockTransport(wrapped))
        monkeypatch.setattr(store_door, "get_client", lambda: client)
        return seen

    yield install
    dynamo.reset_client()


async def test_request_is_dynamodb_json_protocol_signed(dynamo_answers):
    seen = dynamo_answers(lambda r: httpx.Response(200, json={"Item": {"pk": {"S": "a"}}}))
    resp = await dynamo.call("get_item", TableName="t", Key={"pk": {"S": "a"}}, ConsistentRead=True)
    assert resp == {"Item": {"pk": {"S": "a"}}}
    req = seen[0]
    assert req.headers["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert req.headers["content-type"] == "application/x-amz-json-1.0"
    assert req.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")


@pytest.mark.parametrize("answer", [
    lambda r: httpx.Response(400, json={"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}),
    lambda r: httpx.Response(500, json={"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}),
])
async def test_throttling_and_5xx_are_retried_then_503(dynamo_answers, answer):
    seen = dynamo_answers(answer)
    with pytest.raises(StoreUnavailableError) as info:
        await dynamo.call("get_item", TableName="t", Key={})
    assert len(seen) == 3
    assert info.value.status == 503 and info.value.headers["retry-after"] == "1"


async def test_connection_refused_is_retried_then_503(dynamo_answers):
    def refuse(request):
        raise httpx.ConnectError("refused")

    seen = dynamo_answers(refuse)
    with pytest.raises(StoreUnavailableError):
        await dynamo.call("get_item", TableName="t", Key={})
    assert len(seen) == 3


async def test_read_timeout_is_not_retried(dynamo_answers):
    def slow(request):
        raise httpx.ReadTimeout("slow")

    seen = dynamo_answers(slow)
    with pytest.raises(StoreUnavailableError):
        await dynamo.call("update_item", TableName="t", Key={})
    assert len(seen) == 1  # the write may have landed: no blind retry


async def test_conditional_failures_reach_the_caller_as_client_errors(dynamo_answers):
    reasons = [{"Code": "ConditionalCheckFailed", "Message": "exists"}, {"Code": "None"}]
    dynamo_answers(lambda r: httpx.Response(400, json={
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled", "CancellationReasons": reasons}))
    with pytest.raises(ClientError) as info:
        await dynamo.call("transact_write_items", TransactItems=[])
    assert info.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert info.value.response["CancellationReasons"] == reasons
    assert info.value.operation_name == "TransactWriteItems"


async def test_unsettled_usage_is_logged_in_full(monkeypatch):
    from gateway.accounting import admission as accounting
    from gateway.completion import chat
    from gateway.accounting.pricing import Cost
    from gateway.context import Principal, RequestContext
    from gateway.accounting.usage import RawUsage

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


async def test_a_settlement_that_keeps_conflicting_keeps_the_answer(monkeypatch):
    """Settlement gives up after its conflict retries (a hot account): the provider has
    answered and charged, so the answer is kept and the record logged, as when the store is down."""
    from botocore.exceptions import ClientError

    from gateway.accounting import admission as accounting
    from gateway.completion import chat
    from gateway.accounting.pricing import Cost
    from gateway.context import Principal, RequestContext
    from gateway.accounting.usage import RawUsage

    async def conflicting_settle(ctx, admission, outcome):
        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": ""},
                           "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
                          "TransactWriteItems")

    monkeypatch.setattr(accounting, "settle", conflicting_settle)
    ctx = RequestContext(request_id="req-hot", principal=Principal(id="k1"))
    outcome = accounting.Outcome(status="ok", model="gpt-4o-mini", provider="openai", usage=RawUsage(10, 5, reported=True),
                                 cost=Cost(Decimal("0.0000015"), Decimal("0.000003"), Decimal(0)))
    records = []
    monkeypatch.setattr(chat.logger, "error", lambda msg, extra=None, **kw: records.append(extra))
    await chat._settle(ctx, accounting.Admission(), outcome)
    assert records and records[0]["unsettled_usage"]["request_id"] == "req-hot"

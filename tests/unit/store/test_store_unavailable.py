"""The store's one door: a store that cannot be reached is a 503 the client can retry, never a
500; conflicts are retried there and nowhere else; conditional failures come out in the
store's own words; settlement failures after a provider answered keep the answer and log
the full record."""

from decimal import Decimal

import httpx
import pytest

from gateway.errors import StoreUnavailableError
from gateway.store import dynamo
from gateway.store import dynamo as store_door
from gateway.store.errors import ConditionFailed, StoreError, Throttled, TransactionCancelled


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
        monkeypatch.setattr(store_door, "store_client", lambda: client)
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


@pytest.mark.parametrize(
    "answer",
    [
        lambda r: httpx.Response(
            400, json={"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}
        ),
        lambda r: httpx.Response(
            500, json={"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}
        ),
    ],
)
async def test_throttling_and_5xx_are_retried_then_503(dynamo_answers, answer):
    seen = dynamo_answers(answer)
    with pytest.raises(StoreUnavailableError) as info:
        await dynamo.call("get_item", TableName="t", Key={})
    assert len(seen) == dynamo.ATTEMPTS
    assert info.value.status == 503 and info.value.headers["retry-after"] == "1"


async def test_connection_refused_is_retried_then_503(dynamo_answers):
    def refuse(request):
        raise httpx.ConnectError("refused")

    seen = dynamo_answers(refuse)
    with pytest.raises(StoreUnavailableError):
        await dynamo.call("get_item", TableName="t", Key={})
    assert len(seen) == dynamo.ATTEMPTS


async def test_read_timeout_is_not_retried(dynamo_answers):
    def slow(request):
        raise httpx.ReadTimeout("slow")

    seen = dynamo_answers(slow)
    with pytest.raises(StoreUnavailableError):
        await dynamo.call("update_item", TableName="t", Key={})
    assert len(seen) == 1  # the write may have landed: no blind retry


def _dynamo_error(code: str, **body) -> httpx.Response:
    return httpx.Response(400, json={"__type": f"com.amazonaws.dynamodb.v20120810#{code}", **body})


async def test_throttling_is_its_own_word(dynamo_answers):
    dynamo_answers(lambda r: _dynamo_error("ThrottlingException"))
    with pytest.raises(Throttled):
        await dynamo.call("get_item", TableName="t", Key={})


async def test_a_condition_that_fails_is_condition_failed_with_the_item_decoded(dynamo_answers):
    seen = dynamo_answers(lambda r: _dynamo_error("ConditionalCheckFailedException", Item={"n": {"N": "3"}}))
    with pytest.raises(ConditionFailed) as info:
        await dynamo.call("update_item", TableName="t", Key={})
    assert info.value.item == {"n": 3} and len(seen) == 1


async def test_a_cancelled_transaction_says_which_item_failed_and_is_not_retried(dynamo_answers):
    reasons = [{"Code": "ConditionalCheckFailed", "Message": "exists"}, {"Code": "None"}]
    seen = dynamo_answers(
        lambda r: _dynamo_error(
            "TransactionCanceledException", Message="cancelled", CancellationReasons=reasons
        )
    )
    with pytest.raises(TransactionCancelled) as info:
        await dynamo.call("transact_write_items", TransactItems=[])
    assert info.value.reasons == ["ConditionalCheckFailed", "None"]
    assert info.value.failed_at(0) and not info.value.failed_at(1) and len(seen) == 1


async def test_write_conflicts_are_retried_at_the_door_only(dynamo_answers):
    """A transaction cancelled by a conflict changed nothing: the door tries again, once per
    round trip, and no caller loops on top of it."""
    answers = iter(
        [
            _dynamo_error(
                "TransactionCanceledException",
                CancellationReasons=[{"Code": "None"}, {"Code": "TransactionConflict"}],
            ),
            _dynamo_error("TransactionConflictException"),
            httpx.Response(200, json={}),
        ]
    )
    seen = dynamo_answers(lambda r: next(answers))
    assert await dynamo.call("transact_write_items", TransactItems=[]) == {}
    assert len(seen) == 3


async def test_conflicts_that_never_clear_are_a_503_after_the_attempts(dynamo_answers):
    seen = dynamo_answers(lambda r: _dynamo_error("TransactionConflictException"))
    with pytest.raises(StoreUnavailableError):
        await dynamo.call("update_item", TableName="t", Key={})
    assert len(seen) == dynamo.ATTEMPTS


async def test_anything_else_is_a_store_error_with_its_code(dynamo_answers):
    seen = dynamo_answers(lambda r: _dynamo_error("ValidationException", message="too large"))
    with pytest.raises(StoreError) as info:
        await dynamo.call("put_item", TableName="t", Item={})
    assert info.value.code == "ValidationException" and len(seen) == 1


def _plan_and_outcome(request_id: str):
    from gateway.accounting.admission import Admission
    from gateway.accounting.pricing import Cost
    from gateway.accounting.settlement import Outcome
    from gateway.accounting.usage import RawUsage
    from gateway.completion.plan import Plan
    from gateway.context import Principal, RequestContext
    from gateway.schemas import ChatCompletionRequest

    ctx = RequestContext(request_id=request_id, principal=Principal(id="k1"))
    request = ChatCompletionRequest.model_validate(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    )
    outcome = Outcome(
        status="ok",
        model="gpt-4o-mini",
        provider="openai",
        usage=RawUsage(10, 5, reported=True),
        cost=Cost(Decimal("0.0000015"), Decimal("0.000003"), Decimal(0)),
    )
    return ctx, Plan(request, [], Admission()), outcome


@pytest.mark.parametrize(
    "failure",
    [
        StoreUnavailableError("down"),
        # Settlement gave up after the door's conflict retries (a hot account): the provider has
        # answered and charged, so the answer is kept and the record logged, as when the store is down.
        TransactionCancelled(["None", "TransactionConflict"]),
    ],
)
async def test_unsettled_usage_is_logged_in_full(monkeypatch, failure):
    from gateway.accounting import settlement
    from gateway.completion import settle

    async def failing_settle(ctx, admission, record):
        raise failure

    monkeypatch.setattr(settlement, "settle", failing_settle)
    ctx, plan, outcome = _plan_and_outcome("req-lost")
    records = []
    monkeypatch.setattr(settle.logger, "error", lambda msg, extra=None, **kw: records.append(extra))
    await settle.settle(ctx, plan, outcome)
    assert plan.admission.settled
    assert records and records[0]["unsettled_usage"]["request_id"] == "req-lost"
    assert records[0]["unsettled_usage"]["total_cost_usd"] == Decimal("0.0000045")

"""The local DynamoDB's transactions stay all-or-nothing, and their cost does not grow with the table."""

import time

import boto3
import pytest


@pytest.fixture
def ddb(store):
    return boto3.client(
        "dynamodb",
        endpoint_url=store["url"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ), store["UsageTable"]


def _put(table, pk, n=0):
    return {"Put": {"TableName": table, "Item": {"pk": {"S": pk}, "sk": {"S": "x"}, "n": {"N": str(n)}}}}


def test_failed_condition_rolls_back_earlier_writes(ddb):
    client, table = ddb
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "x"}, "n": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "b"}, "sk": {"S": "x"}, "n": {"N": "1"}})
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "x"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                _put(table, "new"),
                {"Put": {**_put(table, "b", 99)["Put"], "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )
    item = client.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "x"}})["Item"]
    assert item["n"]["N"] == "1"
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "new"}, "sk": {"S": "x"}})


def test_transaction_cost_does_not_grow_with_table(ddb):
    client, table = ddb

    def timed(k):
        t = time.perf_counter()
        for i in range(k):
            client.transact_write_items(TransactItems=[_put(table, f"t{time.perf_counter_ns()}-{i}")])
        return (time.perf_counter() - t) / k

    small = timed(30)
    for chunk in range(20):  # 2,000 more items
        client.transact_write_items(TransactItems=[_put(table, f"fill-{chunk}-{j}") for j in range(100)])
    large = timed(30)
    # With moto's whole-table deepcopy, 2,000 items make each transaction ~10x slower.
    assert large < small * 3 + 0.005


def test_moto_is_the_tested_version():
    """moto_patch replaces moto internals: a new moto needs this suite run against it first
    (pyproject pins the version, this says so if the environment drifts)."""
    import moto

    from local import moto_patch

    assert moto.__version__ == moto_patch.TESTED_MOTO


_T = "patch-compare"
_K = {"pk": {"S": "k"}, "sk": {"S": "x"}}
_ITEM = {
    **_K,
    "n": {"N": "5"},
    "s": {"S": "é"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "b": {"B": "AAEC"},
    "l": {"L": [{"N": "1"}, {"S": "x"}]},
    "m": {"M": {"inner": {"M": {"v": {"N": "1"}}}}},
    "t": {"BOOL": True},
    "z": {"NULL": True},
}


def _update(
    expr: str,
    values: dict | None = None,
    names: dict | None = None,
    cond: str | None = None,
    ret: str = "ALL_NEW",
) -> tuple[str, dict]:
    body: dict = {"TableName": _T, "Key": _K, "UpdateExpression": expr, "ReturnValues": ret}
    if values:
        body["ExpressionAttributeValues"] = values
    if names:
        body["ExpressionAttributeNames"] = names
    if cond:
        body["ConditionExpression"] = cond
    return "UpdateItem", body


_ONE = {":one": {"N": "1"}}
_CALLS: list[tuple[str, dict]] = [
    (
        "CreateTable",
        {
            "TableName": _T,
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ),
    ("PutItem", {"TableName": _T, "Item": _ITEM}),
    ("GetItem", {"TableName": _T, "Key": _K}),
    _update("ADD n :one, c :one SET #h = :h", {**_ONE, ":h": {"S": "hour"}}, {"#h": "hour"}),
    _update(
        "SET n = n + :one, l = list_append(l, :l), m.inner.v = :one, f = if_not_exists(f, :one)",
        {**_ONE, ":l": {"L": [{"S": "y"}]}},
        ret="UPDATED_OLD",
    ),
    _update(
        "REMOVE l[0], z DELETE ss :a ADD ns :n", {":a": {"SS": ["a"]}, ":n": {"NS": ["3"]}}, ret="UPDATED_NEW"
    ),
    _update("SET #a = :one", _ONE, {"#a": "n"}, cond="n > :one", ret="ALL_OLD"),
    _update("SET n = :one", _ONE, cond="n < :one"),  # fails its condition
    _update("SET n = :one, n = :one", _ONE),  # the same path twice
    _update("SET m.inner = :one, m.inner.v = :one", _ONE),  # overlapping paths
    _update("SET a = :one SET b = :one", _ONE),  # two SET clauses
    _update("SET pk = :one", _ONE),  # a key attribute
    _update("SET a = nope(:one)", _ONE),  # no such function
    _update("SET a = :missing", _ONE),
    _update("SET n = n + :s", {":s": {"S": "x"}}),  # type mismatch
    _update("SET q.r = :one", _ONE),  # a path under a missing attribute
    (
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "Update": {
                        "TableName": _T,
                        "Key": _K,
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": _ONE,
                    }
                },
                {
                    "Put": {
                        "TableName": _T,
                        "Item": {"pk": {"S": "new"}, "sk": {"S": "x"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        },
    ),
    (
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "Update": {
                        "TableName": _T,
                        "Key": _K,
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": _ONE,
                    }
                },
                {
                    "Put": {
                        "TableName": _T,
                        "Item": {"pk": {"S": "new"}, "sk": {"S": "x"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        },
    ),
    ("GetItem", {"TableName": _T, "Key": _K}),
    ("Scan", {"TableName": _T}),
]


def _replay(account: str) -> list[tuple[int, object]]:
    import json

    from moto.core.request import Request
    from moto.dynamodb.responses import DynamoHandler

    out = []
    for op, body in _CALLS:
        headers = {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": f"DynamoDB_20120810.{op}",
            "x-moto-account-id": account,
            "host": "localhost",
        }
        request = Request.from_primitives("POST", "http://localhost/", headers, json.dumps(body).encode())
        try:
            status, _, payload = DynamoHandler.dispatch(request, request.raw_url, dict(request.headers))
            parsed = json.loads(payload) if payload else None
        except Exception as exc:
            status, parsed = -1, type(exc).__name__
        if isinstance(parsed, dict) and "TableDescription" in parsed:
            parsed = {"TableName": parsed["TableDescription"]["TableName"]}  # creation times differ
        out.append((status, parsed))
    return out


def test_patched_moto_answers_exactly_as_released_moto():
    from local import moto_patch

    moto_patch.install()
    patched = _replay("111111111111")
    with moto_patch.unpatched():
        released = _replay("222222222222")
    assert [s for s, _ in patched].count(200) >= 8  # the corpus exercises both outcomes
    for (op, _), got, want in zip(_CALLS, patched, released, strict=True):
        assert got == want, op

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

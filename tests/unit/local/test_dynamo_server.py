"""The lean local DynamoDB server speaks DynamoDB's JSON protocol (as boto3 and the
gateway's own store client send it) and serves one request at a time."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import boto3
import httpx
import pytest

from local import dynamo


@pytest.fixture
def ddb(store):
    client = boto3.client(
        "dynamodb",
        endpoint_url=store["url"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client, store["UsageTable"], store["url"]


def _key(pk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": "x"}}


def test_boto3_round_trip_and_error_shapes(ddb):
    client, table, _ = ddb
    client.put_item(
        TableName=table,
        Item={
            **_key("a"),
            "n": {"N": "1"},
            "tags": {"SS": ["x", "y"]},
            "m": {"M": {"b": {"BOOL": True}, "l": {"L": [{"NULL": True}]}}},
        },
    )
    item = client.get_item(TableName=table, Key=_key("a"))["Item"]
    assert item["n"] == {"N": "1"} and set(item["tags"]["SS"]) == {"x", "y"}
    assert item["m"] == {"M": {"b": {"BOOL": True}, "l": {"L": [{"NULL": True}]}}}
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as failed:
        client.update_item(
            TableName=table,
            Key=_key("a"),
            UpdateExpression="ADD n :one",
            ConditionExpression="n > :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert failed.value.response["Item"]["n"] == {"N": "1"}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="no-such-table", Key=_key("a"))
    with pytest.raises(client.exceptions.ClientError) as invalid:
        client.update_item(
            TableName=table,
            Key=_key("a"),
            UpdateExpression="SET b = :v",
            ExpressionAttributeValues={":v": {"S": "x"}, ":unused": {"S": "y"}},
        )
    assert invalid.value.response["Error"]["Code"] == "ValidationException"
    assert "unused in expressions" in invalid.value.response["Error"]["Message"]


def test_transaction_cancellation_reasons(ddb):
    client, table, _ = ddb
    client.put_item(TableName=table, Item={**_key("taken"), "n": {"N": "5"}})
    with pytest.raises(client.exceptions.TransactionCanceledException) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**_key("new"), "n": {"N": "0"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {**_key("taken"), "n": {"N": "0"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    reasons = cancelled.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["n"] == {"N": "5"}
    assert "Item" not in client.get_item(TableName=table, Key=_key("new"))


def test_keep_alive_errors_and_non_dynamodb_requests(ddb):
    _, table, url = ddb
    headers = {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.GetItem",
        "authorization": "AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    with httpx.Client(base_url=url) as http:
        for _ in range(3):  # one connection, several requests
            r = http.post("/", headers=headers, content=json.dumps({"TableName": table, "Key": _key("none")}))
            assert r.status_code == 200 and r.json() == {}
            assert "x-amz-crc32" in r.headers
        r = http.post(
            "/", headers={**headers, "x-amz-target": "DynamoDB_20120810.GetItem"}, content=b"{not json"
        )
        assert r.status_code == 400
        r = http.get("/")
        assert r.status_code == 400 and r.json()["__type"].endswith("UnknownOperationException")


def test_pipelined_requests_are_answered_in_order(ddb):
    _, table, url = ddb
    host, port = url.removeprefix("http://").split(":")
    raw = b""
    for pk in ("p1", "p2"):
        body = json.dumps({"TableName": table, "Item": _key(pk)}).encode()
        raw += (
            b"POST / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nContent-Type: application/x-amz-json-1.0\r\n"
            b"X-Amz-Target: DynamoDB_20120810.PutItem\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
    with socket.create_connection((host, int(port))) as s:
        s.sendall(raw)
        s.settimeout(5)
        got = b""
        while got.count(b"HTTP/1.1 200") < 2:
            got += s.recv(65536)
    assert got.count(b"HTTP/1.1 200 OK") == 2


def test_concurrent_conditional_updates_never_both_succeed(ddb):
    """Each client claims the same slot with a conditional write; exactly one wins each slot,
    however the requests interleave on the wire (the gateway's admission relies on this)."""
    client, table, _ = ddb
    from gateway.store import dynamo as store
    from gateway.store.errors import ConditionFailed

    async def claim(slot: int, who: int) -> bool:
        try:
            await store.call(
                "update_item",
                TableName=table,
                Key=_key(f"slot{slot}"),
                UpdateExpression="SET #o = :me ADD n :one",
                ConditionExpression="attribute_not_exists(#o)",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"N": str(who)}, ":one": {"N": "1"}},
            )
            return True
        except ConditionFailed:
            return False

    async def race() -> list[list[bool]]:
        return [await asyncio.gather(*(claim(slot, who) for who in range(8))) for slot in range(10)]

    results = asyncio.run(race())
    assert all(sum(r) == 1 for r in results)
    for slot in range(10):
        assert client.get_item(TableName=table, Key=_key(f"slot{slot}"))["Item"]["n"] == {"N": "1"}


def test_threads_hitting_the_server_keep_counters_exact(ddb):
    client, table, _ = ddb
    errors: list[Exception] = []

    def add(n: int) -> None:
        try:
            for _ in range(n):
                client.update_item(
                    TableName=table,
                    Key=_key("counter"),
                    UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert client.get_item(TableName=table, Key=_key("counter"))["Item"]["n"] == {"N": "100"}


def test_own_process_server_answers_and_stops():
    url, child = dynamo.start_server(process=True)
    try:
        client = boto3.client(
            "dynamodb",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        assert "TableNames" in client.list_tables()
    finally:
        child.shutdown()
    assert child.proc.poll() is not None

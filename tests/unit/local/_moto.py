"""Calls straight into moto's DynamoDB handler, as the local server makes them (for comparing
patched and released moto)."""

from __future__ import annotations

import json


def dispatch(account: str, op: str, body: dict, target: str = "DynamoDB_20120810") -> tuple[int, str]:
    """Status and the answer's text as sent (attribute order included); a table's description
    reads ``<table>`` (creation times differ), an exception its type's name."""
    from moto.core.request import Request
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    headers = {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": f"{target}.{op}",
        "x-moto-account-id": account,
        "host": "localhost",
    }
    streams = target.startswith("DynamoDBStreams")
    url = "http://streams.dynamodb.us-east-1.amazonaws.com/" if streams else "http://localhost/"
    request = Request.from_primitives("POST", url, headers, json.dumps(body).encode())
    handler = DynamoDBStreamsHandler if streams else DynamoHandler
    try:
        status, _, payload = handler.dispatch(request, request.raw_url, dict(request.headers))
    except Exception as exc:
        return -1, type(exc).__name__
    text = payload.decode() if isinstance(payload, bytes) else str(payload or "")
    return int(status), "<table>" if "TableDescription" in text else text


def table(name: str, *string_attributes: str, **extra: object) -> dict:
    """CreateTable's body: keys pk (hash) and sk (range), both strings, plus ``string_attributes``
    defined (for indexes in ``extra``)."""
    return {
        "TableName": name,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", *string_attributes)
        ],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }

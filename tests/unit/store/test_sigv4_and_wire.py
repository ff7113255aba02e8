"""The store's own SigV4 signer matches botocore's byte for byte; its codec matches boto3's."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore import auth as bauth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from gateway.store import _sigv4, _wire


@pytest.mark.parametrize("token", [None, "session-token-xyz"])
def test_signature_matches_botocore(monkeypatch, token):
    now = datetime(2026, 11, 24, 5, 30, 0, tzinfo=UTC)
    body = b'{"TableName":"t","Key":{"pk":{"S":"a"}}}'
    url = "https://dynamodb.us-east-1.amazonaws.com/"
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem"}
    ours = _sigv4.sign(
        "POST",
        url,
        headers,
        body,
        _sigv4.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", token),
        "us-east-1",
        "dynamodb",
        now=now,
    )

    monkeypatch.setattr(bauth, "get_current_datetime", lambda: now.replace(tzinfo=None))
    req = AWSRequest(
        method="POST", url=url, data=body, headers={**headers, "host": "dynamodb.us-east-1.amazonaws.com"}
    )
    bauth.SigV4Auth(
        BotoCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", token), "dynamodb", "us-east-1"
    ).add_auth(req)
    assert ours["authorization"] == req.headers["Authorization"]
    assert ours["x-amz-date"] == req.headers["X-Amz-Date"]


@pytest.mark.parametrize(
    "value",
    [
        "text",
        0,
        42,
        Decimal("0.000001500"),
        True,
        None,
        {"a": [1, "b", {"c": False}]},
        {"x", "y"},
        {Decimal(1), 2},
    ],
)
def test_codec_matches_boto3(value):
    assert _wire.serialize(value) == TypeSerializer().serialize(value) or (
        isinstance(value, set)
        and sorted(next(iter(_wire.serialize(value).values())))
        == sorted(next(iter(TypeSerializer().serialize(value).values())))
    )
    assert _wire.deserialize(TypeSerializer().serialize(value)) == TypeDeserializer().deserialize(
        TypeSerializer().serialize(value)
    )

"""Edges where patched moto once answered differently from released moto, found by an
adversarial review of moto_patch's fast path and fixed. Each test replays the same calls on a
fresh table in two accounts, one patched and one under ``moto_patch.unpatched()``, and compares
the answers as sent and the stored item."""

import json

import pytest

from tests.unit.local._moto import dispatch, table

_K = {"pk": {"S": "k"}, "sk": {"S": "x"}}
_PATCHED, _RELEASED = "555555555555", "666666666666"


def _cancelled(t: str) -> dict:
    """A transaction that adds 1 to n, then fails its condition on a missing item: cancelled."""
    return {
        "TransactItems": [
            {
                "Update": {
                    "TableName": t,
                    "Key": _K,
                    "UpdateExpression": "ADD #n :one",
                    "ExpressionAttributeNames": {"#n": "n"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": t,
                    "Key": {"pk": {"S": "other"}, "sk": {"S": "x"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    }


def _both(name: str, calls: list[tuple[str, dict]]) -> tuple[list, list]:
    from local import moto_patch

    moto_patch.install()
    calls = [("CreateTable", table(name)), *calls, ("GetItem", {"TableName": name, "Key": _K})]
    patched = [dispatch(_PATCHED, op, body) for op, body in calls]
    with moto_patch.unpatched():
        released = [dispatch(_RELEASED, op, body) for op, body in calls]
    return patched, released


def _upd(table: str, expr: str, values: dict, names: dict, **extra) -> tuple[str, dict]:
    body = {"TableName": table, "Key": _K, "UpdateExpression": expr, "ExpressionAttributeNames": names}
    body["ExpressionAttributeValues"] = values
    return "UpdateItem", {**body, **extra}


def test_update_creating_an_item_near_the_size_limit():
    """A new item is measured with its key attributes: moto creates the key item first and
    then refuses the SET (ItemSizeToUpdateTooLarge); the fast path once left the keys out."""
    t = "adv-newsize"
    got, want = _both(
        t, [_upd(t, "SET #a = :a", {":a": {"S": "z" * 404_999}}, {"#a": "a"}, ReturnValues="NONE")]
    )
    assert got == want


def test_condition_cache_shares_a_set_with_the_stored_item():
    """The cached condition keeps the request's SS list; moto's SET stores that same list in
    the item; a later DELETE/ADD through moto's path edits it in place, so the next request
    with the same condition text, names and values evaluates against the edited set."""
    t = "adv-alias"
    v = {":v": {"SS": ["a", "b"]}}
    cond = "attribute_not_exists(#x) OR #x = :v"
    got, want = _both(
        t,
        [
            ("PutItem", {"TableName": t, "Item": _K}),
            _upd(t, "SET #x = :v", v, {"#x": "x"}, ConditionExpression=cond),
            _upd(t, "DELETE #x :d", {":d": {"SS": ["a"]}}, {"#x": "x"}),
            _upd(t, "SET #x = :v", v, {"#x": "x"}, ConditionExpression=cond),
        ],
    )
    assert got == want


@pytest.mark.parametrize("stored", [{"NULL": False}, {"N": "abc"}, {"N": " 1"}])
def test_failed_transaction_rolls_back_an_item_put_item_would_refuse(stored):
    """The patched rollback re-puts the old item with put_item, which re-validates it; an item
    UpdateItem could store but PutItem refuses makes the rollback raise part-way: a
    ValidationException instead of TransactionCanceledException, and the write stays."""
    t = f"adv-rollback-{next(iter(stored))}-{len(json.dumps(stored))}"
    tx = _cancelled(t)
    got, want = _both(
        t,
        [
            ("PutItem", {"TableName": t, "Item": {**_K, "n": {"N": "1"}}}),
            _upd(t, "SET #z = :z", {":z": stored}, {"#z": "z"}),
            ("TransactWriteItems", tx),
        ],
    )
    assert got == want


def test_update_with_an_unencodable_string_writes_nothing_instead_of_part():
    """_simple_update measures every value before writing; moto writes the SETs in order and
    fails at the lone surrogate, keeping the earlier SET (and, for a new item, the key item)."""
    t = "adv-surrogate"
    got, want = _both(
        t,
        [
            ("PutItem", {"TableName": t, "Item": _K}),
            _upd(
                t, "SET #a = :a, #b = :b", {":a": {"S": "ok"}, ":b": {"S": "\ud800"}}, {"#a": "a", "#b": "b"}
            ),
        ],
    )
    assert got == want


def test_put_of_an_oversized_item_with_a_malformed_value_after_it():
    """The patched Item.__init__ builds every value before measuring; moto stops at the first
    attribute past the limit (400 ItemSizeTooLarge) before reaching the malformed one (500)."""
    t = "adv-initorder"
    item = {**_K, "big": {"S": "z" * 405_000}, "bad": {"L": [{}]}}
    got, want = _both(t, [("PutItem", {"TableName": t, "Item": item})])
    assert got == want


def test_failed_transaction_leaves_no_stream_records():
    """Released moto restores the whole table (its stream shard included) on rollback; the
    patch undoes item by item, so the stream keeps the cancelled write and the undo."""
    from local import moto_patch

    moto_patch.install()

    def streams(account: str, op: str, body: dict) -> dict:
        return json.loads(dispatch(account, op, body, target="DynamoDBStreams_20120810")[1])

    def side(account: str) -> list:
        t = "adv-stream"
        streamed = table(
            t, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        )
        dispatch(account, "CreateTable", streamed)
        dispatch(account, "PutItem", {"TableName": t, "Item": {**_K, "n": {"N": "1"}}})
        dispatch(
            account,
            "TransactWriteItems",
            _cancelled(t),
        )
        arn = streams(account, "ListStreams", {"TableName": t})["Streams"][0]["StreamArn"]
        shard = streams(account, "DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"][0][
            "ShardId"
        ]
        it = streams(
            account,
            "GetShardIterator",
            {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"},
        )["ShardIterator"]
        return [r["eventName"] for r in streams(account, "GetRecords", {"ShardIterator": it})["Records"]]

    got = side(_PATCHED)
    with moto_patch.unpatched():
        want = side(_RELEASED)
    assert got == want

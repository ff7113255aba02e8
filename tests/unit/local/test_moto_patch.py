"""The local DynamoDB's transactions stay all-or-nothing, and their cost does not grow with the table."""

import boto3
import pytest

from tests.unit.local._moto import dispatch, table


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


def test_transaction_copies_what_it_touches_not_the_table(ddb, monkeypatch):
    """Released moto deep-copies every table a transaction touches, so its cost grows with the
    table; the patch backs up only the items written. Counted in objects copied, not timed:
    a timing bound flakes on a loaded machine."""
    import copy

    client, table = ddb
    copied = 0
    deepcopy = copy.deepcopy

    def counting(x, memo=None, _nil=[]):  # noqa: B006  # copy.deepcopy's own signature
        nonlocal copied
        copied += 1
        return deepcopy(x, memo, _nil)

    def copies_of_one_transaction(pk: str) -> int:
        nonlocal copied
        copied = 0
        monkeypatch.setattr(copy, "deepcopy", counting)
        try:
            client.transact_write_items(TransactItems=[_put(table, pk)])
        finally:
            monkeypatch.setattr(copy, "deepcopy", deepcopy)
        return copied

    small = copies_of_one_transaction("first")
    for chunk in range(20):  # 2,000 more items
        client.transact_write_items(TransactItems=[_put(table, f"fill-{chunk}-{j}") for j in range(100)])
    large = copies_of_one_transaction("second")
    # Whole-table copies would copy every item's attributes: tens of thousands of objects.
    assert large <= small + 20


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


def _add_then_put(**put: str) -> tuple[str, dict]:
    """A transaction: add 1 to the item's n, then put a new item only if it does not exist."""
    new = {"pk": {"S": "new"}, "sk": {"S": "x"}}
    return "TransactWriteItems", {
        "TransactItems": [
            {
                "Update": {
                    "TableName": _T,
                    "Key": _K,
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": _ONE,
                }
            },
            {"Put": {"TableName": _T, "Item": new, "ConditionExpression": "attribute_not_exists(pk)", **put}},
        ]
    }


_CALLS: list[tuple[str, dict]] = [
    ("CreateTable", table(_T)),
    ("PutItem", {"TableName": _T, "Item": _ITEM}),
    ("GetItem", {"TableName": _T, "Key": _K}),
    # Items at the size limit, one on each side of it.
    ("PutItem", {"TableName": _T, "Item": {"pk": {"S": "big"}, "sk": {"S": "x"}, "v": {"S": "z" * 404_991}}}),
    ("PutItem", {"TableName": _T, "Item": {"pk": {"S": "big"}, "sk": {"S": "x"}, "v": {"S": "z" * 404_992}}}),
    ("GetItem", {"TableName": _T, "Key": {"pk": {"S": "big"}, "sk": {"S": "x"}}}),
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
    _add_then_put(),
    _add_then_put(ReturnValuesOnConditionCheckFailure="ALL_OLD"),
    ("GetItem", {"TableName": _T, "Key": _K}),
    ("Scan", {"TableName": _T}),
]


def _replay(account: str) -> list[tuple[int, str]]:
    return [dispatch(account, op, body) for op, body in _CALLS]


def test_patched_moto_answers_exactly_as_released_moto():
    from local import moto_patch

    moto_patch.install()
    patched = _replay("111111111111")
    with moto_patch.unpatched():
        released = _replay("222222222222")
    assert [s for s, _ in patched].count(200) >= 8  # the corpus exercises both outcomes
    for (op, _), got, want in zip(_CALLS, patched, released, strict=True):
        assert got == want, op


def _random_case(rng) -> tuple[dict, list[tuple[str, dict]]]:
    """One item and one UpdateItem of SET/ADD/REMOVE clauses over placeholders: mostly what the
    fast path applies itself, sometimes what it must leave to moto (a key or indexed
    attribute, a path twice, a missing or mistyped value, an empty set, a number it does not
    read, a clause twice, an item past the size limit, a failed condition)."""
    attrs = ["a", "b", "c", "n", "s", "ss", "pk", "gsi", "big", "d.e", "é"]
    item = {**_K}
    for attr in rng.sample(attrs[:6], rng.randint(0, 6)):
        item[attr] = rng.choice(
            [
                {"N": str(rng.randint(-5, 5))},
                {"N": rng.choice(["0.000009450", "1.5", "12", "-0.25"])},
                {"S": rng.choice(["", "x", "é"])},
                {"SS": rng.sample(["a", "b", "c"], rng.randint(1, 3))},
                {"NS": ["1", "2"]},
                {"BOOL": True},
                {"L": [{"N": "1"}]},
            ]
        )
    if rng.random() < 0.15:
        item["big"] = {"S": "z" * 399_000}
    values = {
        ":n": {"N": rng.choice(["1", "-3", "0.000001650", "2.50", "1e3", "007", "0"])},
        ":s": {"S": rng.choice(["", "v", "ü" * 3])},
        ":ss": {"SS": rng.sample(["a", "b", "d", "d"], rng.randint(0, 3))},
        ":ns": {"NS": ["3"]},
        ":t": {"BOOL": rng.random() < 0.5},
        ":l": {"L": [{"S": "x"}]},
        ":big": {"S": "y" * rng.choice([10, 8_000])},
    }
    clauses: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    used_values: set[str] = set()
    clean = rng.random() < 0.6  # distinct plain attributes and values of a type that applies
    free = rng.sample(["a", "b", "c", "n", "s", "ss"], 6)
    for i in range(rng.randint(1, 4)):
        action = rng.choice(["SET", "ADD", "REMOVE"])
        placeholder = f"#p{i}"
        names[placeholder] = free.pop() if clean else rng.choice(attrs)
        if action == "REMOVE":
            clauses.setdefault(action, []).append(placeholder)
            continue
        if clean:
            kind = next(iter(item.get(names[placeholder], {"N": 0})))
            if action == "SET":
                value = rng.choice([":s", ":t", ":big"] + [":n"] * (values[":n"]["N"] not in ("1e3", "007")))
            elif kind == "SS" and values[":ss"]["SS"]:
                value = ":ss"
            elif kind == "N" and values[":n"]["N"] not in ("1e3", "007"):
                value = ":n"
            else:
                clauses.setdefault("REMOVE", []).append(placeholder)
                continue
        else:
            value = rng.choice(list(values) + [":missing"] * (rng.random() < 0.05))
        used_values.add(value)
        clauses.setdefault(action, []).append(
            f"{placeholder} = {value}" if action == "SET" else f"{placeholder} {value}"
        )
    parts = [f"{k} {', '.join(v)}" for k, v in clauses.items()]
    if rng.random() < 0.05:
        parts.append(parts[0])  # a clause twice
    rng.shuffle(parts)
    body: dict = {
        "TableName": "fast-path",
        "Key": _K,
        "UpdateExpression": " ".join(parts),
        "ExpressionAttributeNames": names,
        "ReturnValues": rng.choice(["ALL_NEW", "ALL_OLD", "UPDATED_NEW", "UPDATED_OLD", "NONE"]),
    }
    if rng.random() < 0.3:
        body["ConditionExpression"] = rng.choice(
            ["attribute_not_exists(#c0)", "attribute_exists(#c0)", "attribute_not_exists(#c0) OR #c0 < :c"]
        )
        body["ExpressionAttributeNames"]["#c0"] = rng.choice(["n", "a"])
        if ":c" in body["ConditionExpression"]:
            values[":c"] = {"N": "2"}
            used_values.add(":c")
    body["ExpressionAttributeValues"] = {k: v for k, v in values.items() if k in used_values}
    if not body["ExpressionAttributeValues"]:
        del body["ExpressionAttributeValues"]
    update = ("UpdateItem", body)
    if rng.random() < 0.3:  # the same, inside a transaction
        tx = {k: v for k, v in body.items() if k != "ReturnValues"}
        update = ("TransactWriteItems", {"TransactItems": [{"Update": tx}]})
    return item, [("PutItem", {"TableName": "fast-path", "Item": item}), update]


def test_fast_path_updates_answer_as_released_moto(monkeypatch):
    """Seeded random SET/ADD/REMOVE updates, each run through patched and released moto from
    the same item: the same status, the same answer, the same stored item."""
    import random

    from local import moto_patch

    moto_patch.install()

    def run(account: str, calls: list[tuple[str, dict]]) -> list[tuple[int, object]]:
        out = [dispatch(account, op, body) for op, body in calls]
        out.append(dispatch(account, "GetItem", {"TableName": "fast-path", "Key": _K}))
        return out

    fast_path = table(
        "fast-path",
        "gsi",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-gsi",
                "KeySchema": [{"AttributeName": "gsi", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert run("333333333333", [("CreateTable", fast_path)])[0][0] == 200
    with moto_patch.unpatched():
        assert run("444444444444", [("CreateTable", fast_path)])[0][0] == 200
    applied = []
    from local.moto_patch import _updates

    simple_update = _updates._simple_update

    def counted(*args):
        writes = simple_update(*args)
        applied.append(writes is not None)
        return writes

    monkeypatch.setattr(_updates, "_simple_update", counted)
    rng = random.Random(20261201)
    outcomes = {"ok": 0, "refused": 0}
    for case in range(600):
        _, calls = _random_case(rng)
        got = run("333333333333", calls)
        with moto_patch.unpatched():
            want = run("444444444444", calls)
        assert got == want, (case, calls[1])
        outcomes["ok" if got[1][0] == 200 else "refused"] += 1
    # Every side is exercised: updates the fast path applies, ones it leaves to moto, and
    # ones moto refuses.
    assert sum(applied) > 150
    assert applied.count(False) > 50
    assert outcomes["refused"] > 50

"""A principal's account item: rate windows, daily budget, free tier, wallet and open holds.

One item per principal in the keys table, ``pk = ACCT#<principal id>, sk = ACCT``, so that
admission is ONE conditional ``UpdateItem`` (all limits checked and counted atomically, the
new state returned) and settlement one ``TransactWriteItems`` (this item plus the ledger).
Every container shares it, so limits hold across all of them at once.

Attributes (flat, top level; names are data, always passed as placeholders):

- ``m#<epoch minute>#r`` / ``m#<epoch minute>#t``: requests and tokens in that minute. Rate
  limits use fixed one-minute windows keyed by the minute (not sliding): a window is one pair
  of counters that a conditional ``ADD`` can check exactly; the cost is that up to 2x the
  limit can pass across a window boundary, the usual trade of fixed windows.
- ``d#<yyyy-mm-dd>#c`` / ``#s`` / ``#n``: the UTC day's committed amount (spent plus open
  holds), spent amount, and request count. The daily budget is checked against ``#c``.
- ``free_used``: free-tier requests consumed (forever, not per day).
- ``balance_nusd`` / ``available_nusd``: the wallet; ``available`` is balance minus open holds.
- ``h#<request id>``: one open hold (a reservation), ``"<amount>|<wallet amount>|<expires>|
  <day>|<tokens>|<minute>|<mode>"``. Settlement removes it, conditional on it still existing.

Amounts are integer nano-dollars (costs are exact to 1e-9 USD, ``gateway.accounting.pricing``), so the
counters add exactly and every number is a plain integer; ``usd()`` reads them back as USD.

Reservations of crashed requests expire: a hold lives ``HOLD_TTL_S`` (well past the Lambda
timeout). Every admission gets the whole item back (``ALL_NEW``, or ``ALL_OLD`` on refusal)
and releases any expired hold it sees (conditional ``REMOVE``, so exactly once); a refusal
caused by expired holds is retried after releasing them. So a leaked hold is counted only
until the principal's next request, and never causes a wrong refusal.

Stale minute and day attributes are removed by later admissions (those the container saw in
the item last time), which keeps the item small.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item

SK = "ACCT"
NANO = Decimal(1_000_000_000)
HOLD_TTL_S = 120
_CONFLICT_ATTEMPTS = 6
"""How long a reservation may stay open: 4x the 30 s function timeout."""
_HOLD = "h#"


def pk(principal_id: str) -> str:
    return f"ACCT#{principal_id}"


def key(principal_id: str) -> dict[str, Any]:
    return to_item({"pk": pk(principal_id), "sk": SK})


def to_nano(usd: Decimal) -> int:
    """USD as integer nano-dollars, rounded up (a hold never rounds below the cost it covers)."""
    return int((usd * NANO).to_integral_value(rounding=ROUND_CEILING))


def usd(item: dict[str, Any], name: str) -> Decimal:
    """A nano-dollar attribute of the account item, in USD (0 when absent)."""
    return Decimal(int(item.get(name) or 0)) / NANO


def minute_of(ts: float) -> int:
    return int(ts // 60)


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def next_midnight(ts: float) -> datetime:
    d = datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return d + timedelta(days=1)


@dataclass(slots=True)
class Hold:
    request_id: str
    usd: Decimal
    wallet_usd: Decimal
    expires: int
    day: str
    tokens: int
    minute: int
    mode: str
    """``free`` or ``paid``."""

    def encode(self) -> str:
        return (f"{to_nano(self.usd)}|{to_nano(self.wallet_usd)}|{self.expires}|{self.day}|{self.tokens}|"
                f"{self.minute}|{self.mode}")

    @classmethod
    def decode(cls, request_id: str, raw: str) -> Hold:
        usd, wallet, expires, day, tok, minute, mode = raw.split("|")
        return cls(request_id, Decimal(int(usd)) / NANO, Decimal(int(wallet)) / NANO, int(expires), day, int(tok),
                   int(minute), mode)


@dataclass(slots=True)
class Ask:
    """What one admission asks for, and the limits it must fit in (None: unlimited)."""

    principal_id: str
    request_id: str
    usd: Decimal
    tokens: int
    now: float
    mode: str
    rpm: int | None = None
    tpm: int | None = None
    budget: Decimal | None = None
    free_requests: int = 5000
    stale: list[str] = field(default_factory=list)


class Refused(Exception):
    """The admission's condition failed; ``item`` is the account as it was."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__("admission refused")
        self.item = item


def holds(item: dict[str, Any]) -> list[Hold]:
    return [Hold.decode(k[len(_HOLD):], v) for k, v in item.items() if k.startswith(_HOLD)]


def stale_names(item: dict[str, Any], now: float) -> list[str]:
    """Window attributes no admission will read again (minutes before the last, days before yesterday)."""
    minute, yesterday = minute_of(now), day_of(now - 86400)
    out = []
    for name in item:
        kind, _, rest = name.partition("#")
        if kind == "m" and int(rest.split("#")[0]) < minute - 1:
            out.append(name)
        elif kind == "d" and rest.split("#")[0] < yesterday:
            out.append(name)
    return out


class _Expr:
    """Collects placeholders for one expression."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def n(self, name: str) -> str:
        ph = f"#n{len(self.names)}"
        self.names[ph] = name
        return ph

    def v(self, value: Any) -> str:
        ph = f":v{len(self.values)}"
        if isinstance(value, Decimal):
            value = to_nano(value)
        self.values[ph] = to_item({"x": value})["x"]
        return ph


def _admit_kwargs(ask: Ask) -> dict[str, Any]:
    e = _Expr()
    minute, day = minute_of(ask.now), day_of(ask.now)
    mr, mt = e.n(f"m#{minute}#r"), e.n(f"m#{minute}#t")
    dc, dn = e.n(f"d#{day}#c"), e.n(f"d#{day}#n")
    one = e.v(1)
    wallet = ask.usd if ask.mode == "paid" else Decimal(0)
    hold = Hold(ask.request_id, ask.usd, wallet, int(ask.now) + HOLD_TTL_S, day, ask.tokens, minute, ask.mode)
    adds = [f"{mr} {one}", f"{mt} {e.v(ask.tokens)}", f"{dc} {e.v(ask.usd)}", f"{dn} {one}"]
    # Exactly once: a replay of an admission that was applied (the store retries a 5xx whose
    # outcome is unknown) finds its own hold and fails, instead of counting everything twice.
    hold_name = e.n(_HOLD + ask.request_id)
    conds = [f"attribute_not_exists({hold_name})"]
    if ask.rpm is not None:
        conds.append(f"(attribute_not_exists({mr}) OR {mr} < {e.v(ask.rpm)})")
    if ask.tpm is not None:
        conds.append(f"(attribute_not_exists({mt}) OR {mt} <= {e.v(ask.tpm - ask.tokens)})")
    if ask.budget is not None:
        room = int(((ask.budget - ask.usd) * NANO).to_integral_value(rounding=ROUND_FLOOR))
        conds.append(f"(attribute_not_exists({dc}) OR {dc} <= {e.v(room)})")
    if ask.mode == "free":
        fu = e.n("free_used")
        adds.append(f"{fu} {one}")
        conds.append(f"(attribute_not_exists({fu}) OR {fu} < {e.v(ask.free_requests)})")
    else:
        av = e.n("available_nusd")
        adds.append(f"{av} {e.v(-wallet)}")
        conds.append(f"{av} >= {e.v(wallet)}")
    update = f"SET {hold_name} = {e.v(hold.encode())} ADD " + ", ".join(adds)
    if ask.stale:
        update += " REMOVE " + ", ".join(e.n(s) for s in ask.stale)
    kw: dict[str, Any] = {
        "TableName": get_settings().keys_table,
        "Key": key(ask.principal_id),
        "UpdateExpression": update,
        "ExpressionAttributeNames": e.names,
        "ExpressionAttributeValues": e.values,
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    kw["ConditionExpression"] = " AND ".join(conds)
    return kw


async def _update(**kw: Any) -> dict[str, Any]:
    """UpdateItem, retried when it collides with a settlement transaction on the same item
    (TransactionConflictException, which botocore does not retry; no change was made)."""
    from botocore.exceptions import ClientError

    for attempt in range(_CONFLICT_ATTEMPTS):
        try:
            return await call("update_item", **kw)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionConflictException" or \
                    attempt + 1 == _CONFLICT_ATTEMPTS:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


async def admit(ask: Ask) -> dict[str, Any]:
    """One conditional UpdateItem: count the request in every window and open its hold.

    Returns the account after the update; raises ``Refused`` with the account before it.
    """
    from botocore.exceptions import ClientError

    try:
        resp = await _update(**_admit_kwargs(ask))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            item = from_item(exc.response.get("Item") or {})
            if _HOLD + ask.request_id in item:
                return item  # applied before (a retried round trip): the account as it left it
            raise Refused(item) from None
        raise
    return from_item(resp["Attributes"])


def settle_update(principal_id: str, hold: Hold, actual_usd: Decimal, actual_tokens: int, *,
                  refund_free: bool, now: float, hold_open: bool = True) -> dict[str, Any]:
    """The TransactWriteItems ``Update`` that charges the actual cost and closes the hold.

    With ``hold_open`` it is conditional on the hold still existing and releases it; without,
    (the hold expired and was released by someone else) it only charges.
    """
    e = _Expr()
    charged = actual_usd - hold.usd if hold_open else actual_usd
    adds = [f"{e.n(f'd#{hold.day}#c')} {e.v(charged)}", f"{e.n(f'd#{hold.day}#s')} {e.v(actual_usd)}"]
    if hold_open and minute_of(now) == hold.minute and actual_tokens != hold.tokens:
        adds.append(f"{e.n(f'm#{hold.minute}#t')} {e.v(actual_tokens - hold.tokens)}")
    if hold.mode == "paid":
        adds.append(f"{e.n('available_nusd')} {e.v((hold.wallet_usd if hold_open else 0) - actual_usd)}")
        adds.append(f"{e.n('balance_nusd')} {e.v(-actual_usd)}")
    elif refund_free:
        adds.append(f"{e.n('free_used')} {e.v(-1)}")
    update, condition = "ADD " + ", ".join(adds), None
    if hold_open:
        h = e.n(_HOLD + hold.request_id)
        update, condition = f"REMOVE {h} " + update, f"attribute_exists({h})"
    out: dict[str, Any] = {
        "TableName": get_settings().keys_table,
        "Key": key(principal_id),
        "UpdateExpression": update,
        "ExpressionAttributeNames": e.names,
        "ExpressionAttributeValues": e.values,
    }
    if condition:
        out["ConditionExpression"] = condition
    return {"Update": out}


async def release(principal_id: str, hold: Hold) -> bool:
    """Release an expired hold (conditional: exactly once, whoever gets there first)."""
    from botocore.exceptions import ClientError

    e = _Expr()
    h = e.n(_HOLD + hold.request_id)
    adds = [f"{e.n(f'd#{hold.day}#c')} {e.v(-hold.usd)}"]
    if hold.mode == "paid":
        adds.append(f"{e.n('available_nusd')} {e.v(hold.wallet_usd)}")
    try:
        await _update(
            TableName=get_settings().keys_table, Key=key(principal_id),
            UpdateExpression=f"REMOVE {h} ADD " + ", ".join(adds), ConditionExpression=f"attribute_exists({h})",
            ExpressionAttributeNames=e.names, ExpressionAttributeValues=e.values,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


async def release_expired(principal_id: str, item: dict[str, Any], now: float | None = None) -> int:
    now = time.time() if now is None else now
    released = 0
    for hold in holds(item):
        if hold.expires < now and await release(principal_id, hold):
            released += 1
    return released


async def get(principal_id: str) -> dict[str, Any]:
    resp = await call("get_item", TableName=get_settings().keys_table, Key=key(principal_id), ConsistentRead=True)
    return from_item(resp["Item"]) if resp.get("Item") else {}


async def get_many(principal_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Account items by principal id (BatchGetItem, 100 at a time)."""
    table, out = get_settings().keys_table, {}
    for i in range(0, len(principal_ids), 100):
        keys = [key(p) for p in principal_ids[i:i + 100]]
        while keys:
            resp = await call("batch_get_item", RequestItems={table: {"Keys": keys}})
            for raw in resp.get("Responses", {}).get(table, []):
                item = from_item(raw)
                out[item["pk"].removeprefix("ACCT#")] = item
            keys = resp.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return out


def num(item: dict[str, Any], name: str) -> Decimal:
    return Decimal(item.get(name) or 0)


__all__ = [
    "HOLD_TTL_S", "NANO", "Ask", "Hold", "Refused", "admit", "day_of", "get", "get_many", "holds", "minute_of",
    "next_midnight", "num", "pk", "release", "release_expired", "settle_update", "stale_names", "to_nano", "usd",
]

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
  <day>|<tokens>|<minute>|<mode>|<ledger ms>|<model>"``. Settlement removes it, conditional on
  it still existing. ``open``: how many holds are open (the per-key concurrency limit).

Amounts are integer nano-dollars (costs are exact to 1e-9 USD, ``gateway.accounting.pricing``), so the
counters add exactly and every number is a plain integer; ``usd()`` reads them back as USD.

Reservations of crashed requests expire: a hold lives past the function's own timeout
(``Settings.hold_ttl_s``). Every admission gets the whole item back (``ALL_NEW``, or
``ALL_OLD`` on refusal) and settles any expired hold it sees at its reserved amount
(``accounting.admission``: the request may well have been served and charged upstream, so
it is never refunded silently), exactly once: its ledger record is keyed like the request's
own, so whichever settlement comes first wins.

The free tier's gateway-wide daily cap has items of its own (``store/free_cap.py``).

Stale minute and day attributes are removed by later admissions (those the container saw in
the item last time), which keeps the item small.

Nobody outside this module spells an attribute name: callers get an ``Account`` (a typed,
read-only view of the item) and ``Hold``s, and ask for admissions with an ``Ask``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any, Literal

from gateway.settings import get_settings
from gateway.store.dynamo import call, from_item, to_item
from gateway.store.errors import ConditionFailed

if TYPE_CHECKING:
    from collections.abc import Iterator

SK = "ACCT"
NANO = Decimal(1_000_000_000)
_HOLD = "h#"
_OPEN = "open"
_STALE_MEMO_MAX = 10_000

Mode = Literal["free", "paid"]
"""Who pays for a request: the free tier, or the wallet."""


def _pk(principal_id: str) -> str:
    return f"ACCT#{principal_id}"


def key(principal_id: str) -> dict[str, Any]:
    """The account item's key (for transactions that touch it beside other items)."""
    return to_item({"pk": _pk(principal_id), "sk": SK})


def to_nano(usd: Decimal) -> int:
    """USD as integer nano-dollars, rounded up (a hold never rounds below the cost it covers; a
    change that gives back never gives back more than was taken)."""
    return int((usd * NANO).to_integral_value(rounding=ROUND_CEILING))


def minute_of(ts: float) -> int:
    return int(ts // 60)


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def next_midnight(ts: float) -> datetime:
    d = datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return d + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Hold:
    """One open reservation on an account."""

    request_id: str
    usd: Decimal
    wallet_usd: Decimal
    """The part of ``usd`` taken from the wallet's available balance (0 on the free tier)."""
    expires: int
    day: str
    tokens: int
    minute: int
    mode: Mode
    ledger_ms: int = 0
    """When the request started (ms), as its ledger record is keyed: an expired hold's record and
    the request's own then collide, so only one of them is ever written."""
    model: str = ""
    allowance: bool = False
    """The hold was counted against the gateway-wide free-tier cap (settlement trues that up)."""

    def encode(self) -> str:
        return (
            f"{to_nano(self.usd)}|{to_nano(self.wallet_usd)}|{self.expires}|{self.day}|{self.tokens}|"
            f"{self.minute}|{self.mode}|{self.ledger_ms}|{int(self.allowance)}|{self.model}"
        )

    @classmethod
    def decode(cls, request_id: str, raw: str) -> Hold:
        usd, wallet, expires, day, tok, minute, mode, *rest = raw.split("|", 9)
        if mode not in ("free", "paid"):
            raise ValueError(f"hold {request_id} has an unknown mode {mode!r}")
        ledger_ms, allowance, model = (
            (int(rest[0]), rest[1] == "1", rest[2]) if len(rest) == 3 else (0, False, "")
        )
        return cls(
            request_id,
            Decimal(int(usd)) / NANO,
            Decimal(int(wallet)) / NANO,
            int(expires),
            day,
            int(tok),
            int(minute),
            "free" if mode == "free" else "paid",
            ledger_ms,
            model,
            allowance,
        )


@dataclass(frozen=True, slots=True)
class Account:
    """A principal's account as stored: rate windows, the day's spend, free tier, wallet, holds."""

    principal_id: str
    _item: dict[str, Any]

    def _num(self, name: str) -> Decimal:
        return Decimal(self._item.get(name) or 0)

    def _usd(self, name: str) -> Decimal:
        return Decimal(int(self._item.get(name) or 0)) / NANO

    def requests_in_minute(self, at: float) -> int:
        """Requests counted in the one-minute window that holds ``at``."""
        return int(self._num(f"m#{minute_of(at)}#r"))

    def tokens_in_minute(self, at: float) -> int:
        return int(self._num(f"m#{minute_of(at)}#t"))

    def committed_usd(self, at: float) -> Decimal:
        """The UTC day's spend plus its open holds: what the daily budget is checked against."""
        return self._usd(f"d#{day_of(at)}#c")

    def spent_usd(self, at: float) -> Decimal:
        return self._usd(f"d#{day_of(at)}#s")

    def requests_on_day(self, at: float) -> int:
        return int(self._num(f"d#{day_of(at)}#n"))

    @property
    def free_used(self) -> int:
        """Free-tier requests consumed, ever."""
        return int(self._num("free_used"))

    @property
    def balance_usd(self) -> Decimal:
        return self._usd("balance_nusd")

    @property
    def available_usd(self) -> Decimal:
        """The wallet's balance less its open holds."""
        return self._usd("available_nusd")

    @property
    def open_holds(self) -> int:
        """Requests of this principal admitted and not yet settled."""
        return int(self._num(_OPEN))

    @property
    def holds(self) -> list[Hold]:
        return [Hold.decode(k[len(_HOLD) :], v) for k, v in self._item.items() if k.startswith(_HOLD)]

    def hold(self, request_id: str) -> Hold | None:
        raw = self._item.get(_HOLD + request_id)
        return None if raw is None else Hold.decode(request_id, raw)

    def expired_holds(self, at: float) -> list[Hold]:
        return [h for h in self.holds if h.expires < at]

    def _stale_names(self, at: float) -> list[str]:
        """Window attributes no admission will read again (minutes before the last, days before yesterday)."""
        minute, yesterday = minute_of(at), day_of(at - 86400)
        out = []
        for name in self._item:
            kind, _, rest = name.partition("#")
            if (kind == "m" and int(rest.split("#")[0]) < minute - 1) or (
                kind == "d" and rest.split("#")[0] < yesterday
            ):
                out.append(name)
        return out


def _account(principal_id: str, item: dict[str, Any] | None) -> Account:
    return Account(principal_id, item or {})


@dataclass(frozen=True, slots=True)
class Ask:
    """What one admission asks for, and the limits it must fit in (None: unlimited)."""

    principal_id: str
    request_id: str
    usd: Decimal
    tokens: int
    now: float
    mode: Mode
    rpm: int | None = None
    tpm: int | None = None
    budget: Decimal | None = None
    free_requests: int = 0
    max_concurrent: int | None = None
    hold_ttl_s: int = 120
    ledger_ms: int = 0
    model: str = ""
    allowance: bool = False


class Refused(Exception):
    """The admission's condition failed; ``account`` is the account as it was."""

    def __init__(self, account: Account) -> None:
        super().__init__("admission refused")
        self.account = account


class _StaleNames:
    """Per principal, the window attributes this container saw go stale, removed by the next
    admission's update. Bounded: past the cap it starts over (a missed removal costs only bytes)."""

    def __init__(self, cap: int = _STALE_MEMO_MAX) -> None:
        self._names: OrderedDict[str, list[str]] = OrderedDict()
        self._cap = cap

    def take(self, principal_id: str) -> list[str]:
        return self._names.get(principal_id, [])

    def remember(self, account: Account, now: float) -> None:
        self._names[account.principal_id] = account._stale_names(now)
        self._names.move_to_end(account.principal_id)
        while len(self._names) > self._cap:
            self._names.popitem(last=False)

    def clear(self) -> None:
        self._names.clear()


_stale = _StaleNames()


def forget() -> None:
    """Drop this container's memory of stale attributes (tests that start from empty tables)."""
    _stale.clear()


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
    hold = Hold(
        ask.request_id,
        ask.usd,
        wallet,
        int(ask.now) + ask.hold_ttl_s,
        day,
        ask.tokens,
        minute,
        ask.mode,
        ask.ledger_ms,
        ask.model,
        ask.allowance,
    )
    opened = e.n(_OPEN)
    adds = [
        f"{mr} {one}",
        f"{mt} {e.v(ask.tokens)}",
        f"{dc} {e.v(ask.usd)}",
        f"{dn} {one}",
        f"{opened} {one}",
    ]
    # Exactly once: a replay of an admission that was applied (the store retries a 5xx whose
    # outcome is unknown) finds its own hold and fails, instead of counting everything twice.
    hold_name = e.n(_HOLD + ask.request_id)
    conds = [f"attribute_not_exists({hold_name})"]
    if ask.max_concurrent is not None:
        conds.append(f"(attribute_not_exists({opened}) OR {opened} < {e.v(ask.max_concurrent)})")
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
    stale = _stale.take(ask.principal_id)
    if stale:
        update += " REMOVE " + ", ".join(e.n(s) for s in stale)
    return {
        "TableName": get_settings().keys_table,
        "Key": key(ask.principal_id),
        "UpdateExpression": update,
        "ConditionExpression": " AND ".join(conds),
        "ExpressionAttributeNames": e.names,
        "ExpressionAttributeValues": e.values,
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


async def admit(ask: Ask) -> Account:
    """One conditional UpdateItem: count the request in every window and open its hold.

    Returns the account after the update; raises ``Refused`` with the account before it.
    """
    try:
        resp = await call("update_item", **_admit_kwargs(ask))
    except ConditionFailed as exc:
        account = _account(ask.principal_id, exc.item)
        _stale.remember(account, ask.now)
        if account.hold(ask.request_id) is not None:
            return account  # applied before (a retried round trip): the account as it left it
        raise Refused(account) from None
    account = _account(ask.principal_id, from_item(resp["Attributes"]))
    _stale.remember(account, ask.now)
    return account


def settle_update(
    principal_id: str,
    hold: Hold,
    actual_usd: Decimal,
    actual_tokens: int,
    *,
    refund_free: bool,
    now: float,
    hold_open: bool = True,
) -> dict[str, Any]:
    """The TransactWriteItems ``Update`` that charges the actual cost and closes the hold.

    With ``hold_open`` it is conditional on the hold still existing and releases it; without,
    (the hold expired and was released by someone else) it only charges.
    """
    e = _Expr()
    charged = actual_usd - hold.usd if hold_open else actual_usd
    adds = [f"{e.n(f'd#{hold.day}#c')} {e.v(charged)}", f"{e.n(f'd#{hold.day}#s')} {e.v(actual_usd)}"]
    for minute, tokens in _token_true_up(hold, actual_tokens, now, hold_open=hold_open):
        adds.append(f"{e.n(f'm#{minute}#t')} {e.v(tokens)}")
    if hold_open:
        adds.append(f"{e.n(_OPEN)} {e.v(-1)}")
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


def _token_true_up(
    hold: Hold, actual_tokens: int, now: float, *, hold_open: bool
) -> Iterator[tuple[int, int]]:
    """Where the difference between the tokens admission counted and the actual count goes.

    Tokens the request used beyond what admission counted (the output of a request without
    ``max_tokens``) were produced while it ran: they count in the window the settlement lands
    in, so a long answer still limits the requests after it. Tokens counted but not used are
    given back only within the same window: a later window never held them. So a window
    never counts fewer tokens than were used in it, and at most the unused ``max_tokens`` of
    requests admitted in the window before more.
    """
    diff = actual_tokens - hold.tokens if hold_open else 0
    if diff > 0:
        yield minute_of(now), diff
    elif diff < 0 and minute_of(now) == hold.minute:
        yield hold.minute, diff


def credit_update(principal_id: str, usd: Decimal) -> dict[str, Any]:
    """The TransactWriteItems ``Update`` that adds ``usd`` to the wallet (balance and available)."""
    return {
        "Update": {
            "TableName": get_settings().keys_table,
            "Key": key(principal_id),
            "UpdateExpression": "ADD #b :usd, #a :usd",
            "ExpressionAttributeNames": {"#b": "balance_nusd", "#a": "available_nusd"},
            "ExpressionAttributeValues": {":usd": {"N": str(to_nano(usd))}},
        }
    }


async def release(principal_id: str, hold: Hold) -> bool:
    """Release a hold without charging it (conditional: exactly once, whoever gets there first).
    For a hold whose request never reached a provider; an expired one is settled instead."""
    e = _Expr()
    h = e.n(_HOLD + hold.request_id)
    adds = [f"{e.n(f'd#{hold.day}#c')} {e.v(-hold.usd)}", f"{e.n(_OPEN)} {e.v(-1)}"]
    if hold.mode == "paid":
        adds.append(f"{e.n('available_nusd')} {e.v(hold.wallet_usd)}")
    try:
        await call(
            "update_item",
            TableName=get_settings().keys_table,
            Key=key(principal_id),
            UpdateExpression=f"REMOVE {h} ADD " + ", ".join(adds),
            ConditionExpression=f"attribute_exists({h})",
            ExpressionAttributeNames=e.names,
            ExpressionAttributeValues=e.values,
        )
    except ConditionFailed:
        return False
    return True


async def get(principal_id: str) -> Account:
    resp = await call(
        "get_item", TableName=get_settings().keys_table, Key=key(principal_id), ConsistentRead=True
    )
    return _account(principal_id, from_item(resp["Item"]) if resp.get("Item") else None)


async def get_many(principal_ids: list[str]) -> dict[str, Account]:
    """Accounts by principal id (BatchGetItem, 100 at a time); one with no item yet is empty."""
    table = get_settings().keys_table
    out = {p: _account(p, None) for p in principal_ids}
    for i in range(0, len(principal_ids), 100):
        keys = [key(p) for p in principal_ids[i : i + 100]]
        while keys:
            resp = await call("batch_get_item", RequestItems={table: {"Keys": keys}})
            for raw in resp.get("Responses", {}).get(table, []):
                item = from_item(raw)
                pid = str(item["pk"]).removeprefix("ACCT#")
                out[pid] = _account(pid, item)
            keys = resp.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return out


__all__ = [
    "NANO",
    "Account",
    "Ask",
    "Hold",
    "Mode",
    "Refused",
    "admit",
    "credit_update",
    "day_of",
    "forget",
    "get",
    "get_many",
    "key",
    "minute_of",
    "next_midnight",
    "release",
    "settle_update",
    "to_nano",
]

"""Settlement in one round trip: the ledger record, its hourly counters, and the charge on the
account that closes the request's hold, in one transaction (``TransactWriteItems``).

Exactly once: the ledger record is put only if absent, so a settlement that is replayed (a
retry after an ambiguous failure) changes nothing and says so. A hold that outlived
``accounts.HOLD_TTL_S`` and was released by another request is no longer there to close:
the request is then charged without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from gateway.store import accounts, ledger
from gateway.store.dynamo import call
from gateway.store.errors import TransactionCancelled

if TYPE_CHECKING:
    from gateway.accounting.record import UsageRecord

Settled = Literal["settled", "already_settled", "hold_expired"]


async def settle(
    record: UsageRecord, hold: accounts.Hold | None, *, refund_free: bool, now: float
) -> Settled:
    """Record ``record`` and charge its cost against ``hold`` (None: record only)."""
    items = ledger.settlement_items(record)
    if hold is None:
        return "settled" if await ledger.record(record) else "already_settled"
    charge = accounts.settle_update(
        record.principal_id, hold, record.cost.total, record.tokens, refund_free=refund_free, now=now
    )
    try:
        await call("transact_write_items", TransactItems=[*items, charge])
        return "settled"
    except TransactionCancelled as exc:
        if exc.failed_at(ledger.LEDGER_INDEX):
            return "already_settled"
        if not exc.failed_at(len(items)):
            raise
    charge = accounts.settle_update(
        record.principal_id,
        hold,
        record.cost.total,
        record.tokens,
        refund_free=refund_free,
        now=now,
        hold_open=False,
    )
    try:
        await call("transact_write_items", TransactItems=[*items, charge])
    except TransactionCancelled as exc:
        if exc.failed_at(ledger.LEDGER_INDEX):
            return "already_settled"
        raise
    return "hold_expired"


__all__ = ["Settled", "settle"]

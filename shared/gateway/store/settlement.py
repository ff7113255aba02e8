"""Settlement in one round trip: the ledger record, its hourly counters, and the charge on the
account that closes the request's hold, in one transaction (``TransactWriteItems``).

Exactly once: the ledger record is put only if absent, and it is keyed by the request's start
and id (which the hold remembers), so a settlement that is replayed, or an expired hold
settled by another request while this one was still running, changes nothing and says so.

What must land does land: the charge and the record never wait on analytics. A request past
its key's cap of distinct app ids is counted as ``other``; counters the store will not take
(an item at its size limit, say) are left out, and the charge goes through without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from gateway.observability import counters_dropped, logger
from gateway.store import accounts, free_cap, ledger
from gateway.store.dynamo import call
from gateway.store.errors import StoreError, TransactionCancelled

if TYPE_CHECKING:
    from gateway.accounting.record import UsageRecord

Settled = Literal["settled", "already_settled", "hold_expired"]
_COUNTERS_REFUSED = frozenset({"ValidationError", "ItemCollectionSizeLimitExceeded"})


def _charges(
    record: UsageRecord, hold: accounts.Hold | None, *, refund_free: bool, now: float, hold_open: bool
) -> list[dict[str, Any]]:
    if hold is None:
        return []
    out = [
        accounts.settle_update(
            record.principal_id,
            hold,
            record.cost.total,
            record.tokens,
            refund_free=refund_free,
            now=now,
            hold_open=hold_open,
        )
    ]
    if hold.allowance and hold_open:
        # The gateway-wide free-tier count took the hold at admission: true it up to the cost.
        out.append(free_cap.update(record.principal_id, hold.day, record.cost.total - hold.usd))
    return out


async def settle(
    record: UsageRecord, hold: accounts.Hold | None, *, refund_free: bool, now: float
) -> Settled:
    """Record ``record`` and charge its cost against ``hold`` (None: record only)."""
    hold_open, app_over_cap, with_counters = True, False, True
    for _ in range(4):
        items = (
            ledger.settlement_items(record, app_over_cap=app_over_cap)
            if with_counters
            else [ledger.ledger_put(record)]
        )
        charges = _charges(record, hold, refund_free=refund_free, now=now, hold_open=hold_open)
        try:
            await call("transact_write_items", TransactItems=[*items, *charges])
            return "settled" if hold_open else "hold_expired"
        except TransactionCancelled as exc:
            if exc.failed_at(ledger.LEDGER_INDEX):
                return "already_settled"
            if charges and exc.failed_at(len(items)):
                hold_open = False  # released by someone else: charge it without the hold
            elif with_counters and exc.failed_at(ledger.KEY_HOUR_INDEX):
                app_over_cap = True  # the key has its fill of distinct apps this hour
            elif with_counters and _COUNTERS_REFUSED & set(exc.reasons[: len(items)]):
                with_counters = False
            else:
                raise
        except StoreError as exc:
            if not with_counters:
                raise
            logger.warning(
                "settling without counters", extra={"code": exc.code, "request_id": record.request_id}
            )
            with_counters = False
        if not with_counters:
            counters_dropped()
    raise RuntimeError("settlement did not converge")  # pragma: no cover - each branch narrows the next try


async def record(usage: UsageRecord) -> bool:
    """Write a request's ledger record and counters, with no hold to charge (one round trip).
    False if it was recorded already."""
    return await settle(usage, None, refund_free=False, now=usage.started_at) != "already_settled"


__all__ = ["Settled", "record", "settle"]

"""Holds that outlived their request: settled at the amount they reserved, never refunded.

A hold expires when its request did not settle in time: the container died or was cut off
by Lambda mid-request. The provider may well have answered (and charged us), so the
reservation is charged and the request is recorded as ``expired``, estimated, for
reconciliation. The record is keyed like the request's own (``Hold.ledger_ms``): if the
request does settle after all, whichever settlement comes first is the only one written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from gateway.accounting.pricing import Cost
from gateway.accounting.record import UsageRecord
from gateway.accounting.usage import RawUsage
from gateway.observability import logger
from gateway.store import settlement

if TYPE_CHECKING:
    from gateway.store.accounts import Account, Hold


def expired_record(principal_id: str, hold: Hold) -> UsageRecord:
    return UsageRecord(
        request_id=hold.request_id,
        principal_id=principal_id,
        app_id="Unknown",
        model=hold.model or "unknown",
        provider=None,
        status="expired",
        usage=RawUsage(),
        cost=Cost(hold.usd, Decimal(0), Decimal(0)),
        estimated=True,
        started_at=hold.ledger_ms / 1000,
        latency_ms=0.0,
        ttft_ms=None,
        attempts=0,
        error_code="hold_expired",
    )


async def settle_expired(account: Account, now: float) -> int:
    """Settle every hold of ``account`` that expired before ``now``; how many this call settled."""
    settled = 0
    for hold in account.expired_holds(now):
        outcome = await settlement.settle(
            expired_record(account.principal_id, hold), hold, refund_free=False, now=now
        )
        if outcome == "settled":
            settled += 1
            logger.warning(
                "expired hold charged at its reservation",
                extra={
                    "request_id": hold.request_id,
                    "principal": account.principal_id,
                    "usd": str(hold.usd),
                },
            )
    return settled


__all__ = ["expired_record", "settle_expired"]

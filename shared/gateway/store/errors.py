"""The store's own words for what can go wrong, raised by its one door (``dynamo.call``).

Callers catch these, never a botocore ``ClientError``, and never read an error body:

    StoreError                 a request the store refused for a reason no retry changes (a bug)
    ├── ConditionFailed        a conditional write found the item otherwise; ``item`` is how it was
    └── TransactionCancelled   a transaction changed nothing; ``reasons`` has one code per item
    StoreUnavailableError      (gateway.errors, 503) unreachable, or still failing after the retries
    └── Throttled              DynamoDB kept throttling after the retries

Transient failures (throttling, 5xx, refused connections) and write conflicts (another
transaction held the item: nothing was applied) are retried at the door, with one policy;
nothing above it loops.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import StoreUnavailableError

CONDITION_FAILED = "ConditionalCheckFailed"


class StoreError(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class ConditionFailed(StoreError):
    """The write's condition did not hold; nothing changed."""

    def __init__(self, item: dict[str, Any] | None = None) -> None:
        super().__init__("ConditionalCheckFailedException")
        self.item = item
        """The item as it was (decoded), when the write asked for it."""


class TransactionCancelled(StoreError):
    """A transaction was cancelled as a whole; nothing changed."""

    def __init__(self, reasons: list[str], message: str = "") -> None:
        super().__init__("TransactionCanceledException", message)
        self.reasons = reasons
        """One code per item of the transaction, in order (``"None"`` where the item was fine)."""

    def failed_at(self, index: int) -> bool:
        """Whether the item at ``index`` failed its condition."""
        return index < len(self.reasons) and self.reasons[index] == CONDITION_FAILED

    @property
    def any_condition_failed(self) -> bool:
        return CONDITION_FAILED in self.reasons


class Throttled(StoreUnavailableError):
    """DynamoDB kept throttling after the door's retries (a 503 the client may retry)."""


__all__ = [
    "CONDITION_FAILED",
    "ConditionFailed",
    "StoreError",
    "StoreUnavailableError",
    "Throttled",
    "TransactionCancelled",
]

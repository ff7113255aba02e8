"""The one interface every payment backend has: create an invoice, ask whether it is paid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Invoice:
    payment_hash: str
    """The backend's id of the invoice (a Lightning payment hash)."""
    payment_request: str
    """The BOLT11 string the payer's wallet pays."""
    invoice_url: str | None = None


class PaymentBackend(Protocol):
    name: str

    async def create_invoice(self, amount_sats: int, memo: str) -> Invoice:
        """A new incoming invoice for ``amount_sats``; raises ``UpstreamError`` if the backend fails."""
        ...

    async def is_paid(self, payment_hash: str) -> bool:
        """Whether the invoice has been paid (settled), as the backend knows now."""
        ...

"""A local payment backend: invoices that an operator marks paid (``python -m local.wallet pay
<invoiceId>``), for development, tests and deployments without a Lightning node.

Its payments are kept by the store (``store.wallet``), so the command and every container see
the same state. The BOLT11 it hands out is not payable.
"""

from __future__ import annotations

import secrets

from gateway.payments.base import Invoice
from gateway.store import wallet


class LocalBackend:
    name = "local"

    async def create_invoice(self, amount_sats: int, memo: str) -> Invoice:
        payment_hash = secrets.token_hex(32)
        await wallet.create_local_payment(payment_hash, amount_sats, memo)
        return Invoice(
            payment_hash=payment_hash, payment_request=f"lnbclocal{amount_sats}n1{payment_hash[:40]}"
        )

    async def is_paid(self, payment_hash: str) -> bool:
        return await wallet.local_payment_paid(payment_hash)

    async def mark_paid(self, payment_hash: str) -> bool:
        """Pay the invoice (the local stand-in for a payer's wallet). False if there is no such invoice."""
        return await wallet.pay_local_payment(payment_hash)

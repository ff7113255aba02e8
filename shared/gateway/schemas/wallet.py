"""Wallet wire shapes (the Pura seed): fund with a Lightning invoice, poll it, read the balance."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=1, le=100_000_000)
    """Satoshis to add."""


class InvoiceView(BaseModel):
    invoiceId: str  # noqa: N815 - the Pura seed's field names
    status: str
    """``pending`` until paid, then ``credited`` (the balance has been credited, once)."""
    amount: int
    """Satoshis."""
    amountUsd: float  # noqa: N815
    """What the invoice credits, at the rate when it was created."""
    paymentRequest: str | None = None  # noqa: N815
    """The BOLT11 invoice to pay."""
    lightningUrl: str | None = None  # noqa: N815
    invoiceUrl: str | None = None  # noqa: N815
    backend: str
    balanceUsd: float | None = None  # noqa: N815


class BalanceView(BaseModel):
    balanceUsd: float  # noqa: N815
    """Prepaid USD not yet spent."""
    availableUsd: float  # noqa: N815
    """Balance minus holds of requests in flight."""
    freeRequestsUsed: int  # noqa: N815
    freeRequestsTotal: int  # noqa: N815
    satsUsdRate: float  # noqa: N815

"""Wallet wire shapes (the Pura seed): fund with a Lightning invoice, poll it, read the balance."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas.chat import NUMBER


class FundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[int, NUMBER] = Field(ge=1, le=100_000_000)
    """Satoshis to add."""


class StatusQuery(BaseModel):
    """GET /v1/wallet/status query parameters."""

    model_config = ConfigDict(extra="ignore")

    invoiceId: str = Field(min_length=1, max_length=128)


class InvoiceView(BaseModel):
    # camelCase field names: the Pura seed's wire names, kept as they are.

    invoiceId: str
    status: str
    """``pending`` until paid, then ``credited`` (the balance has been credited, once)."""
    amount: int
    """Satoshis."""
    amountUsd: float
    """What the invoice credits, at the rate when it was created."""
    paymentRequest: str | None = None
    """The BOLT11 invoice to pay."""
    lightningUrl: str | None = None
    invoiceUrl: str | None = None
    backend: str
    balanceUsd: float | None = None


class BalanceView(BaseModel):
    balanceUsd: float
    """Prepaid USD not yet spent."""
    availableUsd: float
    """Balance minus holds of requests in flight."""
    freeRequestsUsed: int
    freeRequestsTotal: int
    satsUsdRate: float

"""The wallet (the Pura seed): fund it with a Lightning invoice, poll the invoice, read the balance.

A caller sees only its own wallet and invoices: another principal's invoice id is a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.accounting.admission import default_free_requests
from gateway.api.common import context, read_body, read_query
from gateway.api.route_table import APIRouter
from gateway.errors import NotFoundError
from gateway.payments import get_backend, sats_usd_rate
from gateway.schemas.wallet import BalanceView, FundRequest, InvoiceView, StatusQuery
from gateway.store import accounts, wallet

if TYPE_CHECKING:
    from gateway.context import RequestContext

router = APIRouter()
_USD_PLACES = Decimal("0.000000001")


def _view(invoice: dict[str, Any], balance: Decimal | None = None) -> InvoiceView:
    bolt11 = invoice.get("payment_request")
    return InvoiceView(
        invoiceId=invoice["invoice_id"],
        status=invoice["status"],
        amount=int(invoice["amount_sats"]),
        amountUsd=float(invoice["amount_usd"]),
        paymentRequest=bolt11,
        lightningUrl=f"lightning:{bolt11}" if bolt11 else None,
        invoiceUrl=f"/v1/wallet/status?invoiceId={invoice['invoice_id']}",
        backend=invoice["backend"],
        balanceUsd=None if balance is None else float(balance),
    )


def _json(model: InvoiceView | BalanceView, ctx: RequestContext, status: int = 200) -> JSONResponse:
    return JSONResponse(
        model.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers={"x-request-id": ctx.request_id},
    )


@router.post("/v1/wallet/fund")
async def fund(request: Request) -> JSONResponse:
    ctx = await context(request)
    body = await read_body(request, FundRequest)
    backend = await get_backend()
    usd = (body.amount * sats_usd_rate()).quantize(_USD_PLACES)
    invoice_id = wallet.new_invoice_id()
    created = await backend.create_invoice(body.amount, f"LLM gateway credit {invoice_id}")
    record = await wallet.create_invoice(
        invoice_id,
        ctx.principal.id,
        body.amount,
        usd,
        backend.name,
        created.payment_hash,
        created.payment_request,
    )
    return _json(_view(record), ctx, 201)


@router.get("/v1/wallet/status")
async def status(request: Request) -> JSONResponse:
    ctx = await context(request)
    invoice_id = read_query(request, StatusQuery).invoiceId
    invoice = await wallet.get_invoice(invoice_id)
    if invoice is None or invoice.get("owner") != ctx.principal.id:
        raise NotFoundError(f"No invoice `{invoice_id}` for this key.", param="invoiceId")
    if invoice["status"] == "pending" and await (await get_backend(invoice["backend"])).is_paid(
        invoice["payment_hash"]
    ):
        await wallet.credit(invoice)  # exactly once, whoever polls first; the others find it credited
        invoice["status"] = "credited"
    balance = (await accounts.get(ctx.principal.id)).balance_usd
    return _json(_view(invoice, balance), ctx)


@router.get("/v1/wallet/balance")
async def balance(request: Request) -> JSONResponse:
    ctx = await context(request)
    account = await accounts.get(ctx.principal.id)
    free_total = ctx.principal.limits.get("free_requests")
    return _json(
        BalanceView(
            balanceUsd=float(account.balance_usd),
            availableUsd=float(account.available_usd),
            freeRequestsUsed=account.free_used,
            freeRequestsTotal=default_free_requests() if free_total is None else int(free_total),
            satsUsdRate=float(sats_usd_rate()),
        ),
        ctx,
    )

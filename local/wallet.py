"""python -m local.wallet pay <invoiceId>: mark a local-backend invoice paid, as a payer's
Lightning wallet would. The gateway credits it when the invoice's status is next polled
(GET /v1/wallet/status?invoiceId=...), exactly once."""

from __future__ import annotations

import argparse
import asyncio
import json


async def pay(invoice_id: str) -> dict:
    from gateway.payments.local import LocalBackend
    from gateway.store import wallet

    invoice = await wallet.get_invoice(invoice_id)
    if invoice is None:
        raise SystemExit(f"no invoice {invoice_id!r}")
    if invoice["backend"] != "local":
        raise SystemExit(f"invoice {invoice_id!r} belongs to the {invoice['backend']} backend; pay it there")
    if not await LocalBackend().mark_paid(invoice["payment_hash"]):
        raise SystemExit(f"the local backend has no payment for invoice {invoice_id!r}")
    return {
        "invoiceId": invoice_id,
        "paid": True,
        "amount": int(invoice["amount_sats"]),
        "status": invoice["status"],
    }


def main(argv: list[str] | None = None) -> None:
    from local.stack import attach

    parser = argparse.ArgumentParser(
        description="Pay a local-backend wallet invoice in the running local stack."
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pay")
    p.add_argument("invoice_id")
    args = parser.parse_args(argv)
    attach()
    print(json.dumps(asyncio.run(pay(args.invoice_id)), indent=2))


if __name__ == "__main__":
    main()

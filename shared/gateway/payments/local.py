"""A local payment backend: invoices that an operator marks paid (``python -m local.wallet pay
<invoiceId>``), for development, tests and deployments without a Lightning node.

Its invoices live in the keys table (``pk = LOCALPAY#<payment hash>, sk = PAY``), so the
command and every container see the same state. The BOLT11 it hands out is not payable.
"""

from __future__ import annotations

import secrets
from typing import Any

from gateway.payments.base import Invoice
from gateway.settings import get_settings
from gateway.store.dynamo import call, to_item

SK = "PAY"


def _key(payment_hash: str) -> dict[str, Any]:
    return to_item({"pk": f"LOCALPAY#{payment_hash}", "sk": SK})


class LocalBackend:
    name = "local"

    async def create_invoice(self, amount_sats: int, memo: str) -> Invoice:
        payment_hash = secrets.token_hex(32)
        await call(
            "put_item",
            TableName=get_settings().keys_table,
            Item={**_key(payment_hash), **to_item({"paid": False, "amount_sats": amount_sats, "memo": memo})},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return Invoice(
            payment_hash=payment_hash, payment_request=f"lnbclocal{amount_sats}n1{payment_hash[:40]}"
        )

    async def is_paid(self, payment_hash: str) -> bool:
        resp = await call(
            "get_item", TableName=get_settings().keys_table, Key=_key(payment_hash), ConsistentRead=True
        )
        return bool(resp.get("Item", {}).get("paid", {}).get("BOOL"))

    async def mark_paid(self, payment_hash: str) -> bool:
        """Pay the invoice (the local stand-in for a payer's wallet). False if there is no such invoice."""
        from gateway.store.errors import ConditionFailed

        try:
            await call(
                "update_item",
                TableName=get_settings().keys_table,
                Key=_key(payment_hash),
                UpdateExpression="SET #p = :t",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#p": "paid"},
                ExpressionAttributeValues={":t": {"BOOL": True}},
            )
        except ConditionFailed:
            return False
        return True

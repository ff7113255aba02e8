"""Wallet invoices in the keys table (``pk = INV#<invoice id>, sk = INV``) and crediting them.

A paid invoice is credited exactly once, however often its status is polled and by however
many containers at once: one transaction flips the invoice ``pending -> credited``
(conditional on it being ``pending`` and owned by the caller) and adds its USD to the owner's
account item (``store.accounts``: its wallet balance and available amount). A second crediting
attempt fails the condition and changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gateway import clock
from gateway.settings import get_settings
from gateway.store import accounts
from gateway.store.dynamo import call, from_item, to_item
from gateway.store.errors import ConditionFailed, TransactionCancelled

SK = "INV"
INVOICE_TTL_DAYS = 90


def new_invoice_id() -> str:
    return f"inv_{secrets.token_hex(12)}"


def _key(invoice_id: str) -> dict[str, Any]:
    return to_item({"pk": f"INV#{invoice_id}", "sk": SK})


async def create_invoice(
    invoice_id: str,
    owner: str,
    amount_sats: int,
    amount_usd: Decimal,
    backend: str,
    payment_hash: str,
    payment_request: str,
) -> dict[str, Any]:
    record = {
        "pk": f"INV#{invoice_id}",
        "sk": SK,
        "invoice_id": invoice_id,
        "owner": owner,
        "status": "pending",
        "amount_sats": amount_sats,
        "amount_usd": amount_usd,
        "backend": backend,
        "payment_hash": payment_hash,
        "payment_request": payment_request,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "expires_at": int(clock.now()) + INVOICE_TTL_DAYS * 86400,
    }
    await call(
        "put_item",
        TableName=get_settings().keys_table,
        Item=to_item(record),
        ConditionExpression="attribute_not_exists(pk)",
    )
    return record


async def get_invoice(invoice_id: str) -> dict[str, Any] | None:
    resp = await call(
        "get_item", TableName=get_settings().keys_table, Key=_key(invoice_id), ConsistentRead=True
    )
    return from_item(resp["Item"]) if resp.get("Item") else None


async def credit(invoice: dict[str, Any]) -> bool:
    """Credit a paid invoice to its owner. True if this call credited it, False if it already was."""
    flip = {
        "Update": {
            "TableName": get_settings().keys_table,
            "Key": _key(invoice["invoice_id"]),
            "UpdateExpression": "SET #s = :credited, #at = :now",
            "ConditionExpression": "#s = :pending AND #o = :owner",
            "ExpressionAttributeNames": {"#s": "status", "#at": "credited_at", "#o": "owner"},
            "ExpressionAttributeValues": {
                ":credited": {"S": "credited"},
                ":pending": {"S": "pending"},
                ":owner": {"S": invoice["owner"]},
                ":now": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
            },
        }
    }
    add = accounts.credit_update(invoice["owner"], Decimal(invoice["amount_usd"]))
    try:
        await call("transact_write_items", TransactItems=[flip, add])
    except TransactionCancelled as exc:
        if exc.failed_at(0):
            return False
        raise
    return True


def _local_payment(payment_hash: str) -> dict[str, Any]:
    return to_item({"pk": f"LOCALPAY#{payment_hash}", "sk": "PAY"})


async def create_local_payment(payment_hash: str, amount_sats: int, memo: str) -> None:
    """A payment of the local backend (``payments.local``), unpaid until an operator pays it."""
    await call(
        "put_item",
        TableName=get_settings().keys_table,
        Item={
            **_local_payment(payment_hash),
            **to_item({"paid": False, "amount_sats": amount_sats, "memo": memo}),
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


async def local_payment_paid(payment_hash: str) -> bool:
    resp = await call(
        "get_item", TableName=get_settings().keys_table, Key=_local_payment(payment_hash), ConsistentRead=True
    )
    return bool(resp.get("Item", {}).get("paid", {}).get("BOOL"))


async def pay_local_payment(payment_hash: str) -> bool:
    """Mark a local payment paid. False if there is no such payment."""
    try:
        await call(
            "update_item",
            TableName=get_settings().keys_table,
            Key=_local_payment(payment_hash),
            UpdateExpression="SET #p = :t",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#p": "paid"},
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )
    except ConditionFailed:
        return False
    return True


__all__ = [
    "create_invoice",
    "create_local_payment",
    "credit",
    "get_invoice",
    "local_payment_paid",
    "new_invoice_id",
    "pay_local_payment",
]

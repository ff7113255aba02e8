"""Crediting a paid invoice: exactly once under concurrent polls; only to its owner."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from gateway.payments.local import LocalBackend
from gateway.store import accounts as limits
from gateway.store import wallet


async def test_concurrent_credits_credit_once(store):
    backend = LocalBackend()
    created = await backend.create_invoice(2500, "memo")
    assert await backend.is_paid(created.payment_hash) is False
    assert await backend.mark_paid(created.payment_hash) is True and await backend.is_paid(
        created.payment_hash
    )
    assert await backend.mark_paid("no-such-hash") is False
    inv = await wallet.create_invoice(
        "inv_x", "k9", 2500, Decimal("1.000000001"), "local", created.payment_hash, created.payment_request
    )
    results = await asyncio.gather(*(wallet.credit(inv) for _ in range(12)))
    assert results.count(True) == 1
    account = await limits.get("k9")
    assert account.balance_usd == Decimal("1.000000001") == account.available_usd
    assert (await wallet.get_invoice("inv_x"))["status"] == "credited"


async def test_an_invoice_credits_only_its_owner(store):
    inv = await wallet.create_invoice("inv_y", "owner", 100, Decimal("0.04"), "local", "h", "lnbc")
    assert await wallet.credit({**inv, "owner": "thief"}) is False
    thief = await limits.get("thief")
    assert thief.balance_usd == 0 and thief.available_usd == 0
    assert await wallet.credit(inv) is True

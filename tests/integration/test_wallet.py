"""The free tier, then the wallet: fund through the local backend, credited exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from tests.conftest import ROOT
from tests.integration._accounts import account, chat, create_key, usd

pytestmark = pytest.mark.integration


def _pay(stack, invoice_id: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "local.wallet", "pay", invoice_id],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GATEWAY_STATE_FILE": str(stack.state_file)},
    )
    return json.loads(out.stdout)


def test_free_tier_then_402_then_funded_once_then_paid_requests(stack):
    key = create_key(stack, "wallet", free_requests=2)
    h = {"x-api-key": key["key"]}
    with stack.http() as c:
        assert [chat(c, key["key"], max_tokens=5).status_code for _ in range(2)] == [200, 200]
        r = chat(c, key["key"], max_tokens=5)
        assert r.status_code == 402
        err = r.json()["error"]
        assert err["code"] == "insufficient_balance" and err["type"] == "insufficient_quota"
        assert "POST /v1/wallet/fund" in err["message"] and err["fund_url"] == "/v1/wallet/fund"

        inv = c.post("/v1/wallet/fund", json={"amount": 10000}, headers=h)
        assert inv.status_code == 201, inv.text
        inv = inv.json()
        assert inv["status"] == "pending" and inv["amount"] == 10000 and inv["amountUsd"] == 4.0
        assert inv["lightningUrl"] == "lightning:" + inv["paymentRequest"]
        status = c.get("/v1/wallet/status", params={"invoiceId": inv["invoiceId"]}, headers=h).json()
        assert status["status"] == "pending" and status["balanceUsd"] == 0

        assert _pay(stack, inv["invoiceId"])["paid"] is True

        # Many containers polling at once, then the same client polling again: credited once.
        def poll(_: int):
            with stack.http() as own:
                return own.get("/v1/wallet/status", params={"invoiceId": inv["invoiceId"]}, headers=h)

        with ThreadPoolExecutor(16) as pool:
            polls = list(pool.map(poll, range(16)))
        polls += [
            c.get("/v1/wallet/status", params={"invoiceId": inv["invoiceId"]}, headers=h) for _ in range(3)
        ]
        assert {p.status_code for p in polls} == {200}
        assert {p.json()["status"] for p in polls} == {"credited"}
        item = account(stack, key["id"])
        assert usd(item, "balance_nusd") == Decimal(4) == usd(item, "available_nusd")

        paid = chat(c, key["key"], max_tokens=5)
        assert paid.status_code == 200, paid.text
        cost = Decimal(paid.headers["x-gateway-cost"])
        bal = c.get("/v1/wallet/balance", headers=h).json()
        assert Decimal(str(bal["balanceUsd"])) == Decimal(4) - cost == Decimal(str(bal["availableUsd"]))
        assert bal["freeRequestsUsed"] == 2 and bal["freeRequestsTotal"] == 2


def test_wallets_and_invoices_are_isolated_per_key(stack):
    a, b = create_key(stack, "iso-a", free_requests=0), create_key(stack, "iso-b", free_requests=0)
    with stack.http() as c:
        inv = c.post("/v1/wallet/fund", json={"amount": 5000}, headers={"x-api-key": a["key"]}).json()
        _pay(stack, inv["invoiceId"])
        # B cannot see, poll or claim A's invoice.
        r = c.get(
            "/v1/wallet/status", params={"invoiceId": inv["invoiceId"]}, headers={"x-api-key": b["key"]}
        )
        assert r.status_code == 404
        assert c.get("/v1/wallet/balance", headers={"x-api-key": b["key"]}).json()["balanceUsd"] == 0
        assert chat(c, b["key"], max_tokens=5).status_code == 402
        r = c.get(
            "/v1/wallet/status", params={"invoiceId": inv["invoiceId"]}, headers={"x-api-key": a["key"]}
        )
        assert r.json()["status"] == "credited" and r.json()["balanceUsd"] == 2.0
        assert chat(c, a["key"], max_tokens=5).status_code == 200
        assert (
            c.get(
                "/v1/wallet/status", params={"invoiceId": "inv_nope"}, headers={"x-api-key": a["key"]}
            ).status_code
            == 404
        )
        bad = c.post("/v1/wallet/fund", json={"amount": 0}, headers={"x-api-key": a["key"]})
        assert bad.status_code == 400

"""LNbits (an open-source Lightning wallet server) through its REST API.

- create: ``POST {url}/api/v1/payments`` with ``{"out": false, "amount": sats, "memo": ...}``
  and the wallet's invoice/read key in ``X-Api-Key``; the answer carries ``payment_hash`` and
  the BOLT11 as ``payment_request`` (older versions) or ``bolt11`` (newer ones).
- check: ``GET {url}/api/v1/payments/{payment_hash}`` -> ``{"paid": bool, ...}``.

Configuration: ``LNBITS_URL`` and the key as the secret ``LNBITS_API_KEY`` (environment
locally, ``LNBITS_API_KEY_PARAM`` naming SSM or Secrets Manager on AWS).
"""

from __future__ import annotations

from typing import Any

import httpx

from gateway.errors import UpstreamError
from gateway.payments.base import Invoice

_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class LnbitsBackend:
    name = "lnbits"

    def __init__(self, url: str, api_key: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.transport = transport

    async def _request(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        headers = {"X-Api-Key": self.api_key, "Content-Type": "application/json"}
        try:
            async with httpx.AsyncClient(timeout=_TIMEOUT, transport=self.transport) as client:
                resp = await client.request(method, self.url + path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"LNbits is unreachable: {exc}", provider="lnbits", retryable=True) from exc
        if resp.status_code >= 300:
            raise UpstreamError(
                f"LNbits answered {resp.status_code}",
                provider="lnbits",
                upstream_status=resp.status_code,
                body=resp.text[:500],
            )
        try:
            body: dict[str, Any] = resp.json()
        except ValueError as exc:
            raise UpstreamError("LNbits sent a body that is not JSON", provider="lnbits") from exc
        return body

    async def create_invoice(self, amount_sats: int, memo: str) -> Invoice:
        body = await self._request(
            "POST", "/api/v1/payments", json={"out": False, "amount": amount_sats, "memo": memo}
        )
        bolt11 = body.get("payment_request") or body.get("bolt11")
        if not body.get("payment_hash") or not bolt11:
            raise UpstreamError("LNbits created no invoice", provider="lnbits", body=body)
        return Invoice(payment_hash=body["payment_hash"], payment_request=bolt11)

    async def is_paid(self, payment_hash: str) -> bool:
        body = await self._request("GET", f"/api/v1/payments/{payment_hash}")
        return body.get("paid") is True

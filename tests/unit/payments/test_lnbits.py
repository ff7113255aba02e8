"""The LNbits backend against its REST API shapes (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from gateway.errors import UpstreamError
from gateway.payments.lnbits import LnbitsBackend


def _backend(handler: Callable[[httpx.Request], httpx.Response]) -> LnbitsBackend:
    return LnbitsBackend("https://lnbits.example/", "invoice-key", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("bolt_field", ["payment_request", "bolt11"])
async def test_create_invoice(bolt_field):
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(
            method=request.method,
            url=str(request.url),
            key=request.headers["x-api-key"],
            body=json.loads(request.content),
        )
        return httpx.Response(201, json={"payment_hash": "ab" * 32, bolt_field: "lnbc100n1p..."})

    invoice = await _backend(handler).create_invoice(10_000, "credit")
    assert seen == {
        "method": "POST",
        "url": "https://lnbits.example/api/v1/payments",
        "key": "invoice-key",
        "body": {"out": False, "amount": 10_000, "memo": "credit"},
    }
    assert invoice.payment_hash == "ab" * 32 and invoice.payment_request == "lnbc100n1p..."


async def test_is_paid():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/payments/" + "cd" * 32
        return httpx.Response(
            200, json={"paid": request.headers["x-api-key"] == "invoice-key", "preimage": "x"}
        )

    assert await _backend(handler).is_paid("cd" * 32) is True


async def test_errors_are_upstream_errors():
    backend = _backend(lambda r: httpx.Response(401, json={"detail": "Invalid key"}))
    with pytest.raises(UpstreamError) as exc:
        await backend.is_paid("ef")
    assert exc.value.upstream_status == 401 and exc.value.provider == "lnbits"

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(UpstreamError):
        await _backend(down).create_invoice(1, "m")
    with pytest.raises(UpstreamError):
        await _backend(lambda r: httpx.Response(200, json={"detail": "no"})).create_invoice(1, "m")

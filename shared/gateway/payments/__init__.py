"""Payment backends behind one interface (``base.PaymentBackend``): LNbits and a local one.

``PAYMENT_BACKEND`` picks one (``lnbits`` or ``local``; default ``lnbits`` when ``LNBITS_URL``
is set, else ``local``). ``SATS_USD_RATE`` is the USD value of one satoshi credited to a
wallet; the default, 0.0004, is the Pura seed's "10,000 sats ~ $4".
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from gateway.errors import GatewayError
from gateway.settings import DEFAULT_SATS_USD_RATE, get_settings

if TYPE_CHECKING:
    from gateway.payments.base import PaymentBackend


def sats_usd_rate() -> Decimal:
    return get_settings().payments.sats_usd_rate


async def get_backend(name: str | None = None) -> PaymentBackend:
    config = get_settings().payments
    name = name or config.backend
    if name == "local":
        from gateway.payments.local import LocalBackend

        return LocalBackend()
    if name == "lnbits":
        from gateway.identity.secretparams import secret
        from gateway.payments.lnbits import LnbitsBackend

        url, key = config.lnbits_url, await secret("LNBITS_API_KEY")
        if not url or not key:
            raise GatewayError("The LNbits payment backend is not configured (LNBITS_URL, LNBITS_API_KEY).")
        return LnbitsBackend(url, key)
    raise GatewayError(f"Unknown payment backend {name!r}.")


__all__ = ["DEFAULT_SATS_USD_RATE", "get_backend", "sats_usd_rate"]

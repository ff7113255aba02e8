"""Short-lived signed links: a page a browser can open without the ``x-api-key`` header it
cannot send (the HTML report). A link names what it opens and when it expires, signed with
HMAC-SHA256 under ``REPORT_LINK_SECRET`` (an SSM parameter on AWS), else a key derived from
the admin key; anything altered or expired is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from gateway import clock
from gateway.errors import AuthenticationError, GatewayError
from gateway.identity.secretparams import secret

_CONTEXT = b"llm-gateway report link v1"


async def _key() -> bytes:
    own = await secret("REPORT_LINK_SECRET")
    if own:
        return own.encode()
    admin = await secret("GATEWAY_ADMIN_KEY")
    if admin:
        return hmac.new(admin.encode(), _CONTEXT, hashlib.sha256).digest()
    raise GatewayError(
        "Signed links need REPORT_LINK_SECRET or GATEWAY_ADMIN_KEY on this gateway.",
        code="links_not_configured",
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def sign(claims: dict[str, Any], ttl_s: float) -> tuple[str, float]:
    """A token carrying ``claims`` for ``ttl_s`` seconds, and when it expires (UNIX time)."""
    expires = clock.now() + ttl_s
    payload = _b64(json.dumps({**claims, "exp": int(expires)}, separators=(",", ":")).encode())
    signature = _b64(hmac.new(await _key(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}", expires


async def verify(token: str) -> dict[str, Any]:
    """The token's claims; a 401 when it was altered, is malformed or has expired."""
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(await _key(), payload.encode(), hashlib.sha256).digest())
    if not payload or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise AuthenticationError("This link is not valid: ask for a new one.", code="invalid_link")
    try:
        claims: dict[str, Any] = json.loads(_unb64(payload))
    except ValueError:
        raise AuthenticationError("This link is not valid: ask for a new one.", code="invalid_link") from None
    if float(claims.get("exp", 0)) <= clock.now():
        raise AuthenticationError("This link has expired: ask for a new one.", code="link_expired")
    return claims


__all__ = ["sign", "verify"]

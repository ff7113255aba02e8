"""Bearer JWTs (the Lunar seed): verified with PyJWT against the configured issuer, audience
and key (a JWKS URL or a PEM public key). Only RS256 and ES256 are accepted, so ``alg: none``
and HMAC-with-the-public-key confusion are refused before any signature is looked at.

Configuration (environment): ``JWT_ISSUER``, ``JWT_AUDIENCE``, and ``JWT_JWKS_URL`` or
``JWT_PUBLIC_KEY_PEM``. Without an issuer, audience and key, JWTs are not accepted at all.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from gateway.errors import AuthenticationError
from gateway.settings import get_settings

ALGORITHMS = ["RS256", "ES256"]
_LEEWAY_S = 30


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2 and credential.startswith("ey")


@lru_cache(maxsize=1)
def _jwks_client(url: str) -> Any:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


async def verify(token: str) -> dict[str, Any]:
    """The token's claims; raises ``AuthenticationError`` (401) for anything not valid.

    With a JWKS URL the signing key may have to be fetched (PyJWKClient caches it): that
    blocking fetch runs in a worker thread, never on the event loop other requests share.
    """
    import anyio
    import jwt

    config = get_settings().jwt
    issuer, audience, jwks_url, pem = config.issuer, config.audience, config.jwks_url, config.public_key_pem
    if not config.configured:
        raise AuthenticationError(
            "JWT authentication is not configured on this gateway.", code="invalid_token"
        )
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in ALGORITHMS:
            raise AuthenticationError(
                f"JWT algorithm {header.get('alg')!r} is not accepted (use RS256 or ES256).",
                code="invalid_token",
            )
        if pem:
            key: Any = pem
        else:
            assert jwks_url is not None  # configured: a PEM or a JWKS URL
            key = (await anyio.to_thread.run_sync(_jwks_client(jwks_url).get_signing_key_from_jwt, token)).key
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=issuer,
            leeway=_LEEWAY_S,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("The JWT has expired.", code="token_expired") from None
    except jwt.InvalidAudienceError:
        raise AuthenticationError("The JWT's audience is not this gateway.", code="invalid_token") from None
    except jwt.InvalidIssuerError:
        raise AuthenticationError("The JWT's issuer is not trusted.", code="invalid_token") from None
    except (jwt.PyJWTError, ValueError) as exc:
        raise AuthenticationError(f"Invalid JWT: {exc}.", code="invalid_token") from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise AuthenticationError("The JWT has no subject.", code="invalid_token")
    return claims

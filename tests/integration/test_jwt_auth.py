"""Bearer JWTs (the Lunar seed) made here with the stack's RSA key: only valid ones pass."""

from __future__ import annotations

import base64
import json
import time
from decimal import Decimal

import jwt
import pytest

from tests.conftest import JWT_AUDIENCE, JWT_ISSUER
from tests.integration._accounts import admin_headers

pytestmark = pytest.mark.integration


def _token(stack, sub: str = "user-1", **over) -> str:
    now = int(time.time())
    claims = {"sub": sub, "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "iat": now, "exp": now + 300, **over}
    return jwt.encode(claims, stack.jwt_private_pem, algorithm="RS256")


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _post(c, token: str):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 5}
    return c.post("/v1/chat/completions", json=body, headers=_bearer(token))


def test_valid_jwt_is_a_principal_with_its_own_account(stack):
    """A subject nobody configured gets what a new self-serve key gets: a daily budget ($1) and
    an rpm (60) by default, and the free tier's cheap models."""
    with stack.http() as c:
        r = _post(c, _token(stack, "alice"))
        assert r.status_code == 200, r.text
        assert r.headers["x-gateway-provider"]
        assert 0 < Decimal(r.headers["x-gateway-budget-remaining"]) < 1
        assert r.headers["x-ratelimit-limit-requests"] == "60"
        bal = c.get("/v1/wallet/balance", headers=_bearer(_token(stack, "alice"))).json()
        assert bal["freeRequestsUsed"] == 1


@pytest.mark.parametrize(
    "case", ["expired", "wrong_audience", "wrong_issuer", "tampered", "alg_none", "other_key"]
)
def test_invalid_jwts_are_401(stack, case):
    if case == "expired":
        token = _token(stack, exp=int(time.time()) - 300)
    elif case == "wrong_audience":
        token = _token(stack, aud="someone-else")
    elif case == "wrong_issuer":
        token = _token(stack, iss="https://evil.example")
    elif case == "tampered":
        head, payload, sig = _token(stack, "bob").split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["sub"] = "admin"
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        token = f"{head}.{payload}.{sig}"
    elif case == "alg_none":
        now = int(time.time())
        token = jwt.encode(
            {"sub": "mallory", "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "exp": now + 300},
            None,
            algorithm="none",
        )
    else:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        now = int(time.time())
        token = jwt.encode(
            {"sub": "eve", "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "exp": now + 300}, other, algorithm="RS256"
        )
    with stack.http() as c:
        r = _post(c, token)
        assert r.status_code == 401, r.text
        assert r.json()["error"]["type"] == "authentication_error"
        assert c.get("/v1/wallet/balance", headers=_bearer(token)).status_code == 401
    if case == "expired":
        assert r.json()["error"]["code"] == "token_expired"


def test_jwt_subject_gets_limits_like_a_key_and_can_be_revoked(stack):
    sub = f"carol-{time.time_ns()}"
    with stack.http() as c:
        r = c.patch(f"/v1/keys/jwt:{sub}", json={"rpm": 2, "label": "carol"}, headers=admin_headers(stack))
        assert r.status_code == 200 and r.json()["limits"] == {"rpm": 2} and r.json()["kind"] == "jwt"
        stack.start_of_minute()  # rpm counts in fixed minute windows
        token = _token(stack, sub)
        codes = [_post(c, token).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert c.delete(f"/v1/keys/jwt:{sub}", headers=admin_headers(stack)).status_code == 200
        r = _post(c, token)
        assert r.status_code == 401

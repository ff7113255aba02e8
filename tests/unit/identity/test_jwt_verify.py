"""JWT verification: PEM or JWKS, RS256/ES256 only, every invalid token a 401 with its reason."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.errors import AuthenticationError
from gateway.identity import jwt_verify
from gateway.settings import get_settings

ISS, AUD = "https://issuer.example", "gateway"


def _pems(key) -> tuple[bytes, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    def configure(**values: str) -> None:
        for k in ("JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS_URL", "JWT_PUBLIC_KEY_PEM"):
            monkeypatch.delenv(k, raising=False)
        for k, v in values.items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


def _claims(**over) -> dict:
    return {"sub": "u1", "iss": ISS, "aud": AUD, "exp": int(time.time()) + 60, **over}


async def test_rs256_with_a_pem_and_every_refusal(env):
    private, public = _pems(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    env(JWT_ISSUER=ISS, JWT_AUDIENCE=AUD, JWT_PUBLIC_KEY_PEM=public.replace("\n", "\\n"))  # one-line env form
    assert (await jwt_verify.verify(jwt.encode(_claims(), private, algorithm="RS256")))["sub"] == "u1"
    refused = {
        "token_expired": jwt.encode(_claims(exp=int(time.time()) - 120), private, algorithm="RS256"),
        "audience": jwt.encode(_claims(aud="other"), private, algorithm="RS256"),
        "issuer": jwt.encode(_claims(iss="https://other"), private, algorithm="RS256"),
        "none": jwt.encode(_claims(), None, algorithm="none"),
        "hs256": jwt.encode(_claims(), "a-shared-secret-of-at-least-32-bytes!!", algorithm="HS256"),
        "no_sub": jwt.encode({k: v for k, v in _claims().items() if k != "sub"}, private, algorithm="RS256"),
    }
    for name, token in refused.items():
        with pytest.raises(AuthenticationError) as exc:
            await jwt_verify.verify(token)
        assert exc.value.status == 401, name
    with pytest.raises(AuthenticationError) as exc:
        await jwt_verify.verify(refused["token_expired"])
    assert exc.value.code == "token_expired"


async def test_es256_through_a_jwks_url(env):
    key = ec.generate_private_key(ec.SECP256R1())
    private, _ = _pems(key)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "ES256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env(JWT_ISSUER=ISS, JWT_AUDIENCE=AUD, JWT_JWKS_URL=f"http://127.0.0.1:{server.server_port}/jwks.json")
        token = jwt.encode(_claims(sub="svc"), private, algorithm="ES256", headers={"kid": "k1"})
        assert (await jwt_verify.verify(token))["sub"] == "svc"
        unknown_kid = jwt.encode(_claims(), private, algorithm="ES256", headers={"kid": "nope"})
        with pytest.raises(AuthenticationError):
            await jwt_verify.verify(unknown_kid)
    finally:
        server.shutdown()


async def test_unconfigured_gateway_refuses_jwts(env):
    env()
    private, _ = _pems(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(AuthenticationError):
        await jwt_verify.verify(jwt.encode(_claims(), private, algorithm="RS256"))

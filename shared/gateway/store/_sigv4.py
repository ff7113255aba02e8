"""AWS Signature Version 4 for the store's requests, and where its credentials come from.

The store speaks DynamoDB's JSON protocol over the gateway's pooled httpx client instead
of a botocore client: creating one costs ~150 ms of cold start, and its synchronous calls
need a thread hop each. Signing is the standard SigV4 algorithm; a unit test checks it
against botocore's signer byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


def credentials() -> Credentials:
    """Lambda puts the role's credentials in the environment; elsewhere botocore's chain
    (profiles, SSO, instance metadata) finds them, loaded only then."""
    access, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if access and secret:
        return Credentials(access, secret, os.environ.get("AWS_SESSION_TOKEN") or None)
    import botocore.session

    found = botocore.session.get_session().get_credentials()
    if found is None:
        from gateway.errors import StoreUnavailableError

        raise StoreUnavailableError("No AWS credentials are configured for the gateway's store.")
    frozen = found.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    creds: Credentials,
    region: str,
    service: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send: ``headers`` plus host, x-amz-date, the token and Authorization."""
    now = now or datetime.now(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    parts = urlsplit(url)
    out = {k.lower(): v for k, v in headers.items()}
    out["host"] = parts.netloc
    out["x-amz-date"] = amz_date
    if creds.token:
        out["x-amz-security-token"] = creds.token
    names = sorted(out)
    canonical_headers = "".join(f"{k}:{' '.join(out[k].split())}\n" for k in names)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/~"),
            parts.query,
            canonical_headers,
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(("AWS4" + creds.secret_key).encode(), amz_date[:8]), region), service),
        "aws4_request",
    )
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
    return out

"""The one door every store call goes through: DynamoDB's JSON protocol over the pooled
httpx client, signed with SigV4.

No botocore client on the request path: creating one costs ~150 ms of cold start, and its
synchronous calls need a worker thread each; here a call is one async HTTP request on the
connection pool the providers already use. Each call is counted and timed on the request
context, which is how ``make bench`` separates store time from the gateway's own.
Errors keep botocore's shape (``ClientError`` with the code, and ``CancellationReasons``
for transactions), so callers handle conditional failures as they would with boto3.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from gateway.context import current_context
from gateway.errors import StoreUnavailableError
from gateway.http_client import get_client
from gateway.settings import get_settings
from gateway.store import _sigv4, _wire

_TIMEOUT = httpx.Timeout(connect=2.0, read=5.0, write=5.0, pool=2.0)
_ATTEMPTS = 3
_TRANSIENT_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "LimitExceededException",
})
_credentials: _sigv4.Credentials | None = None
_credentials_at = 0.0
_CREDENTIALS_TTL_S = 300.0


def reset_client() -> None:
    """Forget cached credentials (tests that point the store at a fresh endpoint)."""
    global _credentials
    _credentials = None


def _creds() -> _sigv4.Credentials:
    global _credentials, _credentials_at
    if _credentials is None or time.monotonic() - _credentials_at > _CREDENTIALS_TTL_S:
        _credentials, _credentials_at = _sigv4.credentials(), time.monotonic()
    return _credentials


def _endpoint() -> str:
    s = get_settings()
    return s.dynamodb_endpoint_url or f"https://dynamodb.{s.region}.amazonaws.com"


def _pascal(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))


def _client_error(status: int, body: Any, operation: str) -> Exception:
    from botocore.exceptions import ClientError

    body = body if isinstance(body, dict) else {}
    code = str(body.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{status}"
    message = body.get("message") or body.get("Message") or ""
    extra = {k: v for k, v in body.items() if k not in ("__type", "message", "Message")}
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}, **extra}, operation)


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _wire.serialize(_plain(v)) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _wire.deserialize(v) for k, v in item.items()}


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return Decimal(str(v))
    if isinstance(v, Decimal) and not v:
        # A quantized zero (Decimal("0E-9")) is valid DynamoDB but trips moto's number
        # handling; plain 0 means the same.
        return Decimal(0)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


async def call(operation: str, **kwargs: Any) -> dict[str, Any]:
    """One DynamoDB round trip (``operation`` in boto3's spelling, kwargs as boto3 takes them).

    Throttling, 5xx and connection failures are retried with jittered backoff, then become
    ``StoreUnavailableError`` (503). A read timeout is not retried: the write may have been
    applied, and callers' conditions, not blind retries, make writes exactly once.
    """
    name = _pascal(operation)
    body = json.dumps(kwargs, default=str, separators=(",", ":")).encode()
    url = _endpoint()
    s = get_settings()
    started = time.perf_counter()
    try:
        for attempt in range(_ATTEMPTS):
            headers = _sigv4.sign(
                "POST", url + "/",
                {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"DynamoDB_20120810.{name}"},
                body, _creds(), s.region, "dynamodb",
            )
            try:
                resp = await get_client().post(url + "/", content=body, headers=headers, timeout=_TIMEOUT)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt + 1 < _ATTEMPTS:
                    await asyncio.sleep(random.uniform(0, 0.05 * 2**attempt))
                    continue
                raise StoreUnavailableError(_UNAVAILABLE, headers={"retry-after": "1"}) from exc
            except httpx.HTTPError as exc:
                raise StoreUnavailableError(_UNAVAILABLE, headers={"retry-after": "1"}) from exc
            if resp.status_code == 200:
                return resp.json()
            try:
                err_body = resp.json()
            except ValueError:
                err_body = {}
            error = _client_error(resp.status_code, err_body, name)
            code = error.response["Error"]["Code"]  # type: ignore[attr-defined]
            if code in _TRANSIENT_CODES or resp.status_code >= 500:
                if attempt + 1 < _ATTEMPTS:
                    await asyncio.sleep(random.uniform(0, 0.05 * 2**attempt))
                    continue
                raise StoreUnavailableError(_UNAVAILABLE, headers={"retry-after": "1"}) from error
            raise error
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        ctx = current_context.get()
        if ctx is not None:
            ctx.store_calls += 1
            ctx.store_ms += (time.perf_counter() - started) * 1000


_UNAVAILABLE = "The gateway's store is unavailable; nothing was charged for this request. Please retry."

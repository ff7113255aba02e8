"""The one door every store call goes through: DynamoDB's JSON protocol over the pooled
httpx client, signed with SigV4.

No botocore client on the request path: creating one costs ~150 ms of cold start, and its
synchronous calls need a worker thread each; here a call is one async HTTP request on the
connection pool the providers already use. Each call is counted and timed on the request
context, which is how ``make bench`` separates store time from the gateway's own.
Errors come out in the store's own words (``store/errors.py``), and the one retry policy
lives here.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from decimal import Decimal
from typing import Any

import httpx

from gateway import clock
from gateway.context import current_context
from gateway.errors import StoreUnavailableError
from gateway.http_client import FAN_OUT, store_client, store_fan_out
from gateway.settings import get_settings
from gateway.store import _sigv4, _wire
from gateway.store.errors import ConditionFailed, StoreError, Throttled, TransactionCancelled

# A call may wait for one of the store pool's few connections (http_client.py) as long as it
# would wait for an answer: only a process serving many requests at once (the local stack)
# ever waits, and there the store answers one call at a time anyway.
_TIMEOUT = httpx.Timeout(connect=2.0, read=5.0, write=5.0, pool=5.0)
ATTEMPTS = 5
"""Round trips one ``call`` may take, retries included."""
_BACKOFF_BASE_S = 0.02
_BACKOFF_CAP_S = 0.5
_THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
    }
)
_TRANSIENT = frozenset({"InternalServerError", "ServiceUnavailable"})
_CONFLICTS = frozenset(
    {"TransactionConflictException", "TransactionConflict", "TransactionInProgressException"}
)
_credentials: _sigv4.Credentials | None = None
_credentials_at = 0.0
_CREDENTIALS_TTL_S = 300.0


def reset_client() -> None:
    """Forget cached credentials (tests that point the store at a fresh endpoint)."""
    global _credentials
    _credentials = None


def _creds() -> _sigv4.Credentials:
    global _credentials, _credentials_at
    if _credentials is None or clock.monotonic() - _credentials_at > _CREDENTIALS_TTL_S:
        _credentials, _credentials_at = _sigv4.credentials(), clock.monotonic()
    return _credentials


def _endpoint() -> str:
    s = get_settings()
    return s.dynamodb_endpoint_url or f"https://dynamodb.{s.region}.amazonaws.com"


def _pascal(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))


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


_UNAVAILABLE = "The gateway's store is unavailable; nothing was charged for this request. Please retry."
_RETRY_HEADERS = {"retry-after": "1"}


def _error(status: int, body: Any) -> Exception:
    """The store's word for an error answer (``errors.py``)."""
    body = body if isinstance(body, dict) else {}
    code = str(body.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{status}"
    message = str(body.get("message") or body.get("Message") or "")
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(from_item(body["Item"]) if body.get("Item") else None)
    if code == "TransactionCanceledException":
        return TransactionCancelled(
            [str(r.get("Code") or "None") for r in body.get("CancellationReasons") or []], message
        )
    if code in _THROTTLING:
        return Throttled(_UNAVAILABLE, headers=dict(_RETRY_HEADERS))
    if code in _TRANSIENT or status >= 500:
        return StoreUnavailableError(_UNAVAILABLE, headers=dict(_RETRY_HEADERS))
    return StoreError(code, message)


def _retryable(error: Exception) -> bool:
    """Whether another attempt may succeed and cannot do harm: the store was unavailable, or a
    write collided with another transaction (nothing was applied). A transaction cancelled by
    a condition is final; so is a timeout (the write may have landed)."""
    if isinstance(error, TransactionCancelled):
        return not error.any_condition_failed and any(r in _CONFLICTS for r in error.reasons)
    if isinstance(error, StoreError):
        return error.code in _CONFLICTS
    return isinstance(error, StoreUnavailableError)


def _backoff(attempt: int) -> float:
    return random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt))


async def call(operation: str, **kwargs: Any) -> dict[str, Any]:
    """One DynamoDB operation (``operation`` in boto3's spelling, kwargs as boto3 takes them),
    in at most ``ATTEMPTS`` round trips.

    Throttling, 5xx, refused connections and write conflicts are retried with jittered
    backoff; then ``Throttled`` or ``StoreUnavailableError`` (503). A read timeout is not
    retried: the write may have been applied, and callers' conditions, not blind retries,
    make writes exactly once. Conditions that fail raise ``ConditionFailed`` or
    ``TransactionCancelled``; anything else the store refuses, ``StoreError``.
    """
    name = _pascal(operation)
    body = json.dumps(kwargs, default=str, separators=(",", ":")).encode()
    url = _endpoint()
    s = get_settings()
    started = time.perf_counter()
    try:
        for attempt in range(ATTEMPTS):
            headers = _sigv4.sign(
                "POST",
                url + "/",
                {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"DynamoDB_20120810.{name}"},
                body,
                _creds(),
                s.region,
                "dynamodb",
            )
            error: Exception
            try:
                resp = await store_client().post(url + "/", content=body, headers=headers, timeout=_TIMEOUT)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                error = StoreUnavailableError(_UNAVAILABLE, headers=dict(_RETRY_HEADERS))
                error.__cause__ = exc
            except httpx.HTTPError as exc:
                raise StoreUnavailableError(_UNAVAILABLE, headers=dict(_RETRY_HEADERS)) from exc
            else:
                if resp.status_code == 200:
                    result: dict[str, Any] = resp.json()
                    return result
                try:
                    error = _error(resp.status_code, resp.json())
                except ValueError:
                    error = _error(resp.status_code, {})
            if not _retryable(error) or attempt + 1 == ATTEMPTS:
                if isinstance(error, StoreError) and error.code in _CONFLICTS:
                    raise StoreUnavailableError(_UNAVAILABLE, headers=dict(_RETRY_HEADERS)) from error
                if isinstance(error, TransactionCancelled) and not error.any_condition_failed:
                    raise StoreUnavailableError(_UNAVAILABLE, headers=dict(_RETRY_HEADERS)) from error
                raise error
            await asyncio.sleep(_backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        ctx = current_context.get()
        if ctx is not None:
            ctx.store_calls += 1
            ctx.store_ms += (time.perf_counter() - started) * 1000


fan_out = store_fan_out
"""Store calls inside (and in tasks started inside) share a pool sized for ``FAN_OUT`` at once."""
__all__ = ["ATTEMPTS", "FAN_OUT", "call", "fan_out", "from_item", "reset_client", "to_item"]

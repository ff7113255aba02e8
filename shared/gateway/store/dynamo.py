"""The DynamoDB client, one per container, and the one async door every store call goes through.

botocore is synchronous; calls run in a worker thread so that a local stack serving many
requests on one event loop is not serialized behind them (in Lambda, one request per
container, the thread hop costs tens of microseconds). Each call is counted and timed on
the request context, which is how ``make bench`` separates store time from the gateway's own.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from gateway.errors import StoreUnavailableError
from gateway.settings import get_settings

if TYPE_CHECKING:
    from gateway.context import RequestContext

T = TypeVar("T")

current_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("gateway_ctx", default=None)

_client: Any = None
_lock = threading.Lock()
_serializer: Any = None
_deserializer: Any = None


def client() -> Any:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                import boto3
                from botocore.config import Config

                s = get_settings()
                _client = boto3.session.Session().client(
                    "dynamodb",
                    region_name=s.region,
                    endpoint_url=s.dynamodb_endpoint_url,
                    config=Config(
                        retries={"max_attempts": 3, "mode": "standard"},
                        connect_timeout=2,
                        read_timeout=5,
                        max_pool_connections=64,
                        tcp_keepalive=True,
                    ),
                )
    return _client


def reset_client() -> None:
    """Forget the client (tests that point the store at a fresh endpoint)."""
    global _client
    _client = None


def _codecs() -> tuple[Any, Any]:
    global _serializer, _deserializer
    if _serializer is None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        _serializer, _deserializer = TypeSerializer(), TypeDeserializer()
    return _serializer, _deserializer


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    ser, _ = _codecs()
    return {k: ser.serialize(_plain(v)) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    _, de = _codecs()
    return {k: de.deserialize(v) for k, v in item.items()}


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


_TRANSIENT_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable",
})


def _unavailable(exc: Exception) -> StoreUnavailableError | None:
    """The gateway's error for a store failure no caller can act on, else None (the caller's to handle)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        if code not in _TRANSIENT_CODES:
            return None
    elif not isinstance(exc, BotoCoreError):
        return None
    return StoreUnavailableError(
        "The gateway's store is unavailable; nothing was charged for this request. Please retry.",
        headers={"retry-after": "1"},
    )


async def call(operation: str, **kwargs: Any) -> dict[str, Any]:
    """One DynamoDB round trip (counted and timed on the current request, if any).

    Connection failures, timeouts and throttling (after botocore's own retries) become
    ``StoreUnavailableError``; conditional-check and other ClientErrors reach the caller as is.
    """
    fn: Callable[..., dict[str, Any]] = getattr(client(), operation)
    started = time.perf_counter()
    try:
        return await anyio.to_thread.run_sync(lambda: fn(**kwargs))
    except Exception as exc:
        mapped = _unavailable(exc)
        if mapped is None:
            raise
        raise mapped from exc
    finally:
        ctx = current_context.get()
        if ctx is not None:
            ctx.store_calls += 1
            ctx.store_ms += (time.perf_counter() - started) * 1000

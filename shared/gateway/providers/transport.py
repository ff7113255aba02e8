"""The one place provider I/O happens: a pooled httpx client, SSE decoding, exception mapping.

Bedrock's transport is boto3 (``ProviderRequest.operation`` set): one ``bedrock-runtime``
client per container, calls run in a worker thread, botocore's exceptions mapped in
``map_aws_errors`` and AWS error codes to statuses in ``AWS_ERROR_STATUS``.

Requests go over the container's pooled client (``gateway.http_client``). Foreign
exceptions are mapped to the gateway's tree here and nowhere else.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from gateway.errors import UpstreamConnectionError, UpstreamError, UpstreamTimeoutError
from gateway.http_client import get_client
from gateway.providers._errors import classify
from gateway.providers.base import SSEEvent
from gateway.settings import get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gateway.catalog.targets import Target
    from gateway.providers.base import ProviderRequest


def _timeout(target: Target) -> httpx.Timeout:
    s = target.settings
    return httpx.Timeout(
        connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.connect_timeout
    )


@contextmanager
def map_transport_errors(provider: str) -> Iterator[None]:
    """Turn httpx's exceptions into the gateway's, keeping the cause chained.

    ``unanswered`` marks the failures that come after the request was sent (a read timeout,
    a read error, the server closing without an answer): the provider may bill that prompt.
    A connection refused or timed out, or a write that failed, never reached it.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise UpstreamTimeoutError(
            f"{provider} did not answer in time ({type(exc).__name__})",
            provider=provider,
            retryable=True,
            unanswered=isinstance(exc, httpx.ReadTimeout),
        ) from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise UpstreamConnectionError(
            f"connection to {provider} failed ({type(exc).__name__})",
            provider=provider,
            retryable=True,
            unanswered=isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)),
        ) from exc
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{provider}: {type(exc).__name__}", provider=provider, retryable=True) from exc


def decode_body(raw: bytes) -> Any:
    """JSON if it parses, else the text (error pages are often HTML or plain text)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:2000]


@dataclass(slots=True)
class HTTPReply:
    status: int
    headers: httpx.Headers
    body: Any


async def send(preq: ProviderRequest, target: Target) -> HTTPReply:
    if preq.operation:
        return await _aws_send(preq, target)
    with map_transport_errors(target.provider_id):
        if preq.files is not None:  # multipart/form-data (audio uploads)
            resp = await get_client().request(
                preq.method,
                preq.url,
                headers=preq.headers,
                files=preq.files,
                data=preq.data,
                timeout=_timeout(target),
            )
        else:
            resp = await get_client().request(
                preq.method, preq.url, headers=preq.headers, json=preq.json, timeout=_timeout(target)
            )
    if preq.text and resp.status_code < 300 and "json" not in resp.headers.get("content-type", ""):
        return HTTPReply(resp.status_code, resp.headers, resp.content.decode("utf-8", "replace"))
    return HTTPReply(resp.status_code, resp.headers, decode_body(resp.content))


async def iter_sse(lines: AsyncIterator[str]) -> AsyncIterator[SSEEvent]:
    """Decode a text/event-stream: ``event:`` and multi-line ``data:`` fields, blank-line framed."""
    event: str | None = None
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield SSEEvent(event, "\n".join(data))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
    if data:
        yield SSEEvent(event, "\n".join(data))


@dataclass(slots=True)
class StreamReply:
    status: int
    headers: httpx.Headers
    body: Any
    """The decoded error body when ``status`` is not 2xx, else None."""
    events: AsyncIterator[SSEEvent] | None


@asynccontextmanager
async def open_stream(preq: ProviderRequest, target: Target) -> AsyncIterator[StreamReply]:
    """Open a streaming request; events are decoded as they arrive, never buffered."""
    if preq.operation:
        async with _aws_stream(preq, target) as reply:
            yield reply
        return
    provider = target.provider_id
    client = get_client()
    request = client.build_request(
        preq.method, preq.url, headers=preq.headers, json=preq.json, timeout=_timeout(target)
    )
    with map_transport_errors(provider):
        resp = await client.send(request, stream=True)
    try:
        if resp.status_code >= 300:
            with map_transport_errors(provider):
                raw = await resp.aread()
            yield StreamReply(resp.status_code, resp.headers, decode_body(raw), None)
            return

        async def events() -> AsyncIterator[SSEEvent]:
            with map_transport_errors(provider):
                async for ev in iter_sse(resp.aiter_lines()):
                    yield ev

        yield StreamReply(resp.status_code, resp.headers, None, events())
    finally:
        await resp.aclose()


# --- Bedrock: the boto3 client is the transport --------------------------------------------

AWS_ERROR_STATUS = {
    "ThrottlingException": 429,
    "ServiceQuotaExceededException": 429,
    "ModelTimeoutException": 408,
    "ServiceUnavailableException": 503,
    "ModelNotReadyException": 503,
    "InternalServerException": 500,
    "ModelErrorException": 502,
    "ModelStreamErrorException": 502,
    "AccessDeniedException": 403,
    "UnrecognizedClientException": 403,
    "ExpiredTokenException": 403,
    "InvalidSignatureException": 403,
    "ResourceNotFoundException": 404,
    "ValidationException": 400,
}
"""AWS error code -> the HTTP status the adapters classify (429/5xx fail over, 403 is upstream auth, 400 the client's)."""

_aws_clients: dict[tuple[Any, ...], Any] = {}
_aws_lock = threading.Lock()


def bedrock_client(target: Target) -> Any:
    """The container's ``bedrock-runtime`` client for this target's endpoint and timeouts (created once)."""
    s = target.settings
    endpoint = None if "{" in s.base_url else s.base_url  # the catalog's URL is a template: let boto3 pick
    key = (get_settings().region, endpoint, s.connect_timeout, s.read_timeout)
    client = _aws_clients.get(key)
    if client is None:
        with _aws_lock:
            client = _aws_clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config

                client = _aws_clients[key] = boto3.session.Session().client(
                    "bedrock-runtime",
                    region_name=key[0],
                    endpoint_url=endpoint,
                    config=Config(
                        connect_timeout=s.connect_timeout,
                        read_timeout=s.read_timeout,
                        retries={"total_max_attempts": 1, "mode": "standard"},  # failover is the retry
                        max_pool_connections=64,
                        tcp_keepalive=True,
                    ),
                )
    return client


@contextmanager
def map_aws_errors(provider: str) -> Iterator[None]:
    """botocore's transport exceptions -> the gateway's (``ClientError`` passes: callers read its code)."""
    from botocore import exceptions as bx
    from botocore.eventstream import ParserError
    from botocore.parsers import ResponseParserError
    from urllib3.exceptions import HTTPError as Urllib3Error

    try:
        yield
    except bx.ClientError:
        raise
    except (bx.ReadTimeoutError, bx.ConnectTimeoutError) as exc:
        raise UpstreamTimeoutError(
            f"{provider} did not answer in time ({type(exc).__name__})",
            provider=provider,
            retryable=True,
            unanswered=isinstance(exc, bx.ReadTimeoutError),
        ) from exc
    except (bx.EndpointConnectionError, bx.ConnectionClosedError, bx.HTTPClientError, Urllib3Error) as exc:
        raise UpstreamConnectionError(
            f"connection to {provider} failed ({type(exc).__name__})",
            provider=provider,
            retryable=True,
            unanswered=isinstance(exc, bx.ConnectionClosedError),
        ) from exc
    except (bx.NoCredentialsError, bx.PartialCredentialsError) as exc:
        raise UpstreamError(
            f"{provider}: no AWS credentials", provider=provider, retryable=True, code="upstream_auth_error"
        ) from exc
    except (ResponseParserError, ParserError, ValueError) as exc:
        raise UpstreamError(
            f"{provider} sent a malformed response ({type(exc).__name__})", provider=provider, retryable=True
        ) from exc
    except bx.BotoCoreError as exc:
        raise UpstreamError(f"{provider}: {type(exc).__name__}", provider=provider, retryable=True) from exc


def _client_error(exc: Any) -> tuple[int, dict[str, Any]]:
    err = exc.response.get("Error") or {}
    code = err.get("Code") or "UnknownError"
    status = AWS_ERROR_STATUS.get(code) or int(
        (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 500
    )
    return status, {"__type": code, "message": err.get("Message") or str(exc)}


async def _aws_send(preq: ProviderRequest, target: Target) -> HTTPReply:
    from botocore.exceptions import ClientError

    call = getattr(bedrock_client(target), preq.operation or "")

    def invoke() -> Any:
        out = call(**(preq.kwargs or {}))
        if hasattr(out.get("body"), "read"):  # InvokeModel: the model's JSON answer, read here
            headers = (out.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
            out = {"body": decode_body(out["body"].read()), "headers": dict(headers)}
        return out

    try:
        with map_aws_errors(target.provider_id):
            result = await anyio.to_thread.run_sync(invoke)
    except ClientError as exc:
        status, body = _client_error(exc)
        return HTTPReply(status, httpx.Headers(), body)
    return HTTPReply(200, httpx.Headers(), result)


@asynccontextmanager
async def _aws_stream(preq: ProviderRequest, target: Target) -> AsyncIterator[StreamReply]:
    from botocore.exceptions import ClientError

    provider = target.provider_id
    call = getattr(bedrock_client(target), preq.operation or "")
    try:
        with map_aws_errors(provider):
            result = await anyio.to_thread.run_sync(lambda: call(**(preq.kwargs or {})))
    except ClientError as exc:
        status, body = _client_error(exc)
        yield StreamReply(status, httpx.Headers(), body, None)
        return
    stream = result["stream"]

    async def events() -> AsyncIterator[dict[str, Any]]:
        it = iter(stream)
        while True:
            try:
                with map_aws_errors(provider):
                    event = await anyio.to_thread.run_sync(next, it, None)
            except ClientError as exc:  # a modelled exception inside the stream
                status, body = _client_error(exc)
                raise classify(provider, status, f"{body['__type']}: {body['message']}", body) from exc
            if event is None:
                return
            yield event

    try:
        yield StreamReply(200, httpx.Headers(), None, events())  # type: ignore[arg-type]  # Bedrock's events are botocore's dicts; only its adapter reads them
    finally:
        stream.close()

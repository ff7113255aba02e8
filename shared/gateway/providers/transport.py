"""The one place provider I/O happens: a pooled httpx client, SSE decoding, exception mapping.

One ``httpx.AsyncClient`` per event loop (a Lambda container runs one loop for its life, so
in practice one per container), created lazily and reused across invocations, so TLS
sessions and connections survive between requests. Foreign exceptions are mapped to the
gateway's tree here and nowhere else.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from gateway.errors import UpstreamConnectionError, UpstreamError, UpstreamTimeoutError
from gateway.providers.base import SSEEvent

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gateway.providers.base import ProviderRequest, Target

_LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=60)
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def get_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        # trust_env=False: a proxy variable in a Lambda's environment must not reroute provider traffic.
        client = httpx.AsyncClient(limits=_LIMITS, trust_env=False, follow_redirects=False)
        _clients[loop] = client
    return client


def _timeout(target: Target) -> httpx.Timeout:
    s = target.settings
    return httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.connect_timeout)


@contextmanager
def map_transport_errors(provider: str) -> Iterator[None]:
    """Turn httpx's exceptions into the gateway's, keeping the cause chained."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise UpstreamTimeoutError(
            f"{provider} did not answer in time ({type(exc).__name__})", provider=provider, retryable=True
        ) from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise UpstreamConnectionError(
            f"connection to {provider} failed ({type(exc).__name__})", provider=provider, retryable=True
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
    with map_transport_errors(target.provider_id):
        resp = await get_client().request(
            preq.method, preq.url, headers=preq.headers, json=preq.json, timeout=_timeout(target)
        )
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


async def aclose_all() -> None:
    for client in list(_clients.values()):
        await client.aclose()
    _clients.clear()

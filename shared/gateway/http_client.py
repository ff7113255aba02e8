"""The container's pooled HTTP client, shared by the provider transport and the store.

One ``httpx.AsyncClient`` per event loop (a Lambda container runs one loop for its life, so
in practice one per container), created lazily and reused across invocations, so TLS
sessions and connections survive between requests.
"""

from __future__ import annotations

import asyncio
import weakref

import httpx

_LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=60)
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def get_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        # trust_env=False: a proxy variable in a Lambda's environment must not reroute provider traffic.
        client = httpx.AsyncClient(limits=_LIMITS, trust_env=False, follow_redirects=False)
        _clients[loop] = client
    return client


async def aclose_all() -> None:
    for client in list(_clients.values()):
        await client.aclose()
    _clients.clear()

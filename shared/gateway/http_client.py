"""The container's pooled HTTP clients: one for the providers, one for the store.

One ``httpx.AsyncClient`` per pool per event loop (a Lambda container runs one loop for its
life, so in practice one per container), created lazily and reused across invocations, so TLS
sessions and connections survive between requests. The store gets a pool of its own: its
connections all go to one endpoint, and httpx scans a pool's connections on every request,
so one shared pool made each store call pay for every provider connection (measured on the
local stack at concurrency 32: about a third of the process's CPU). It is small, too: a Lambda
container runs one request at a time and its store calls follow one another, so a few
connections always suffice; a large pool only lets many concurrent requests (the local stack
at concurrency 32) open dozens of connections that httpx then scans twice per call, while the
store serves them one at a time all the same. Waiting for one of eight is cheaper
(`make bench`: the stack's CPU per request at concurrency 32 fell from 6.7 to 4.1 ms).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import weakref
from typing import Literal

import httpx

Pool = Literal["providers", "store"]

_LIMITS: dict[Pool, httpx.Limits] = {
    "providers": httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=60),
    "store": httpx.Limits(max_connections=8, max_keepalive_connections=8, keepalive_expiry=60),
}
_clients: dict[Pool, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {
    pool: weakref.WeakKeyDictionary() for pool in _LIMITS
}


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every pool: building one reads and parses certifi's CA bundle, about
    25 ms of a cold start each time, and a context serves any number of connections."""
    return httpx.create_ssl_context()


def get_client(pool: Pool = "providers") -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    clients = _clients[pool]
    client = clients.get(loop)
    if client is None or client.is_closed:
        # trust_env=False: a proxy variable in a Lambda's environment must not reroute provider traffic.
        client = httpx.AsyncClient(
            limits=_LIMITS[pool], trust_env=False, follow_redirects=False, verify=_tls()
        )
        clients[loop] = client
    return client


async def aclose_all() -> None:
    for clients in _clients.values():
        for client in list(clients.values()):
            await client.aclose()
        clients.clear()


__all__ = ["Pool", "aclose_all", "get_client"]

"""The container's pooled HTTP clients: one for the providers, one for the store.

One ``httpx.AsyncClient`` per pool per event loop (a Lambda container runs one loop for its
life, so in practice one per container), created lazily and reused across invocations, so TLS
sessions and connections survive between requests. The store gets a pool of its own: its
connections all go to one endpoint, and httpx scans a pool's connections on every request,
so one shared pool made each store call pay for every provider connection (measured on the
local stack at concurrency 32: about a third of the process's CPU). It is small, too: a Lambda
container runs one request at a time and its store calls follow one another, so a few
connections always suffice, while httpx polls every idle connection it keeps twice per call
(the local stack at concurrency 32 kept dozens: `make bench`, the stack's CPU per request fell
from 6.1 to 3.3 ms with 8). Code that fans out on purpose (the scheduled report builder,
``FAN_OUT`` store calls at a time) runs inside ``store_fan_out()`` and gets a pool of that size.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import weakref
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Literal

import httpx

Pool = Literal["providers", "store", "store_fan_out"]

FAN_OUT = 32
"""Store calls a fan-out (``store_fan_out()``) keeps in flight at once."""

_LIMITS: dict[Pool, httpx.Limits] = {
    "providers": httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=60),
    "store": httpx.Limits(max_connections=8, max_keepalive_connections=8, keepalive_expiry=60),
    "store_fan_out": httpx.Limits(
        max_connections=FAN_OUT, max_keepalive_connections=FAN_OUT, keepalive_expiry=60
    ),
}
_store_pool: ContextVar[Pool] = ContextVar("store_pool", default="store")
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


def store_client() -> httpx.AsyncClient:
    """The store's client: its small pool, or the fan-out pool inside ``store_fan_out()``."""
    return get_client(_store_pool.get())


@contextlib.contextmanager
def store_fan_out() -> Iterator[None]:
    """Store calls made inside, and in tasks started inside, share a pool of ``FAN_OUT``
    connections kept alive, so a deliberate fan-out neither queues for the small pool nor
    reconnects (a TLS handshake to DynamoDB) for every call."""
    token = _store_pool.set("store_fan_out")
    try:
        yield
    finally:
        _store_pool.reset(token)


async def aclose_all() -> None:
    for clients in _clients.values():
        for client in list(clients.values()):
            await client.aclose()
        clients.clear()


__all__ = ["FAN_OUT", "Pool", "aclose_all", "get_client", "store_client", "store_fan_out"]

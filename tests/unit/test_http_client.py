"""The container's pooled clients (gateway/http_client.py)."""

import ssl

from gateway import http_client


def _tls_of(client) -> ssl.SSLContext:
    return client._transport._pool._ssl_context  # httpx keeps it on the pool


async def test_pools_share_one_tls_context_that_verifies():
    """Each TLS context parses certifi's bundle (~25 ms of a cold start): one serves both pools."""
    providers, store = http_client.get_client("providers"), http_client.get_client("store")
    assert providers is not store
    assert _tls_of(providers) is _tls_of(store)
    assert _tls_of(providers).verify_mode == ssl.CERT_REQUIRED
    assert _tls_of(providers).check_hostname


async def test_store_pool_is_small():
    """A Lambda container runs one request at a time: a large store pool only lets the local
    stack's concurrent requests open connections that httpx scans on every call."""
    pool = http_client.get_client("store")._transport._pool
    assert pool._max_connections <= 8


async def test_a_fan_out_gets_its_own_pool_of_fan_out_size_also_in_its_tasks():
    """The report builder keeps FAN_OUT store calls in flight: its pool holds that many kept
    alive (each new one to DynamoDB is a TLS handshake), in the tasks it starts too."""
    import asyncio

    async def in_a_task():
        await asyncio.sleep(0)
        return http_client.store_client()

    assert http_client.store_client() is http_client.get_client("store")
    with http_client.store_fan_out():
        inside = await asyncio.gather(*(in_a_task() for _ in range(3)))
        pool = inside[0]._transport._pool
        assert {id(c) for c in inside} == {id(http_client.get_client("store_fan_out"))}
        assert pool._max_connections == pool._max_keepalive_connections == http_client.FAN_OUT
    assert http_client.store_client() is http_client.get_client("store")

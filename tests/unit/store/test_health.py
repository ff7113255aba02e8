"""store/health.py against a local DynamoDB: shared failure counts, a conditional cooldown, a cached read."""

from __future__ import annotations

import pytest

from gateway.context import Principal, RequestContext, current_context
from gateway.settings import get_settings
from gateway.store import health

T0 = 1_800_000_000.0


@pytest.fixture
def fresh(store, monkeypatch):
    monkeypatch.setenv("HEALTH_FAILURE_THRESHOLD", "3")
    monkeypatch.setenv("HEALTH_WINDOW_S", "30")
    monkeypatch.setenv("HEALTH_COOLDOWN_S", "60")
    monkeypatch.setenv("HEALTH_CACHE_TTL_S", "5")
    get_settings.cache_clear()
    health.forget()
    ctx = RequestContext(request_id="r", principal=Principal(id="k"))
    current_context.set(ctx)
    yield ctx
    health.forget()


async def test_failures_from_several_containers_add_up_to_one_cooldown(fresh):
    for i in range(2):
        health.forget()  # each failure from a different container: no shared memory but the table
        view = await health.record_failure("openai", now=T0 + i)
        assert view.failures == i + 1 and not view.cooling(T0 + i)
    health.forget()
    view = await health.record_failure("openai", now=T0 + 2)
    assert view.cooling(T0 + 3) and view.cooldown_until == T0 + 2 + 60
    assert view.failures == 0  # the count starts over with the cooldown
    health.forget()
    assert await health.cooling(["openai", "anthropic"], now=T0 + 10) == {"openai"}
    assert await health.cooling(["openai"], now=T0 + 63) == set()  # the cooldown ends by itself


async def test_a_second_container_does_not_extend_a_running_cooldown(fresh):
    for i in range(3):
        await health.record_failure("groq", now=T0 + i)
    first = health.cached("groq").cooldown_until
    for i in range(3):
        await health.record_failure("groq", now=T0 + 10 + i)
    assert health.cached("groq").cooldown_until == first


async def test_failures_outside_the_window_do_not_add_up(fresh):
    await health.record_failure("mistral", now=T0)
    await health.record_failure("mistral", now=T0 + 1)
    view = await health.record_failure("mistral", now=T0 + 40)  # window (30 s) expired: a new one
    assert view.failures == 1 and not view.cooling(T0 + 40)


async def test_reads_are_cached_and_success_writes_only_after_failures(fresh):
    ctx = fresh
    await health.read(["openai", "gemini"], now=T0)
    calls = ctx.store_calls
    assert calls == 1  # one BatchGetItem for both
    await health.read(["openai", "gemini"], now=T0 + 4)
    await health.record_success("openai", now=T0 + 4)
    assert ctx.store_calls == calls  # fresh cache, nothing to clear: no round trip at all
    await health.read(["openai"], now=T0 + 6)
    assert ctx.store_calls == calls + 1  # the cache expired
    await health.record_failure("openai", now=T0 + 7)
    before = ctx.store_calls
    await health.record_success("openai", now=T0 + 8)
    assert ctx.store_calls == before + 1
    health.forget()
    assert (await health.read(["openai"], now=T0 + 9))["openai"].failures == 0


async def test_store_errors_never_fail_the_request(fresh, monkeypatch):
    monkeypatch.setenv("KEYS_TABLE", "no-such-table")
    get_settings.cache_clear()
    assert await health.cooling(["openai"], now=T0) == set()
    view = await health.record_failure("openai", now=T0)
    assert not view.cooling(T0)

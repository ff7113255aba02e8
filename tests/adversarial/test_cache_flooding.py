"""Attack 9, cache flooding: random well-formed keys each cost a store read, and enough of them
used to clear the key cache for everyone. Unknown keys are now remembered briefly in a small
cache of their own, and the valid keys' cache is a bounded LRU no flood can evict."""

from __future__ import annotations

import pytest

from gateway import clock
from gateway.errors import AuthenticationError
from gateway.identity import apikeys, auth
from gateway.settings import get_settings
from gateway.store import keys


@pytest.fixture
def reads(monkeypatch):
    """The store's key lookups, counted; one valid key (``VALID``) exists."""
    valid_id, valid = apikeys.generate()
    record = {"key_id": valid_id, "status": "active", "key_hash": apikeys.hash_key(valid), "limits": {}}
    seen: list[str] = []

    async def get(key_id: str):
        seen.append(key_id)
        return record if key_id == valid_id else None

    monkeypatch.setattr(keys, "get", get)
    monkeypatch.setenv("KEY_CACHE_TTL_S", "60")
    get_settings.cache_clear()
    auth.forget()
    yield valid, seen
    auth.forget()
    get_settings.cache_clear()


def _random_key() -> str:
    return apikeys.generate()[1]


async def _rejected(plain: str) -> None:
    with pytest.raises(AuthenticationError):
        await auth.authenticate({"x-api-key": plain})


async def test_a_flood_of_unknown_keys_does_not_evict_a_valid_key(reads):
    valid, seen = reads
    with clock.frozen(1_800_000_000) as c:
        await auth.authenticate({"x-api-key": valid})
        assert len(seen) == 1
        for _ in range(10_050):  # past the old cache's 10,000 entries, cleared when full
            await _rejected(_random_key())
            c.advance(0.001)
        before = len(seen)
        await auth.authenticate({"x-api-key": valid})
        assert len(seen) == before  # still cached: no store read for the valid key


async def test_an_unknown_key_is_remembered_briefly(reads, monkeypatch):
    _, seen = reads
    monkeypatch.setenv("KEY_NEGATIVE_CACHE_TTL_S", "2")
    get_settings.cache_clear()
    bad = _random_key()
    with clock.frozen(1_800_000_000) as c:
        for _ in range(50):  # the same unknown key, hammered
            await _rejected(bad)
        assert seen.count(apikeys.parse_id(bad)) == 1
        c.advance(2.1)  # a key created since is found once the short memory lapses
        await _rejected(bad)
        assert seen.count(apikeys.parse_id(bad)) == 2


async def test_both_caches_stay_bounded(reads):
    valid, _ = reads
    with clock.frozen(1_800_000_000):
        await auth.authenticate({"x-api-key": valid})
        for _ in range(3 * auth.NEGATIVE_MAX):
            await _rejected(_random_key())
        assert len(auth._negative) <= auth.NEGATIVE_MAX
        assert len(auth._positive) == 1  # the valid key's entry survived the flood


async def test_the_least_recently_used_valid_key_goes_first(reads, monkeypatch):
    valid, seen = reads
    monkeypatch.setattr(auth, "POSITIVE_MAX", 2)
    others = {}
    for _ in range(2):
        key_id, plain = apikeys.generate()
        others[key_id] = plain

    async def get(key_id: str):
        seen.append(key_id)
        if key_id in others:
            return {"key_id": key_id, "status": "active", "key_hash": apikeys.hash_key(others[key_id])}
        return {"key_id": key_id, "status": "active", "key_hash": apikeys.hash_key(valid)}

    monkeypatch.setattr(keys, "get", get)
    a, b = others.values()
    with clock.frozen(1_800_000_000):
        await auth.authenticate({"x-api-key": valid})
        await auth.authenticate({"x-api-key": a})
        await auth.authenticate({"x-api-key": valid})  # valid is now the most recent
        await auth.authenticate({"x-api-key": b})  # evicts a, not valid
        n = len(seen)
        await auth.authenticate({"x-api-key": valid})
        assert len(seen) == n
        await auth.authenticate({"x-api-key": a})
        assert len(seen) == n + 1

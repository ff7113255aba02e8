"""Secrets the gateway holds (the admin key, payment backend keys, provider API keys), read the
Powertools way.

Locally a secret comes straight from the environment (``<NAME>``). On AWS the environment
names where it lives (``<NAME>_PARAM``): an SSM SecureString when the name starts with ``/``,
otherwise a Secrets Manager secret id or ARN. Powertools Parameters caches the value per
container for ``_MAX_AGE_S``, so a rotated secret takes effect within that time.

Provider keys are needed on every request, so they are also remembered here with the time
they were read (``provider_key``): a fresh one costs a dictionary lookup, and a fetch from AWS
happens at most once per ``_MAX_AGE_S`` per container (``provider_key_async`` does it in a
worker thread, off the event loop). A failed read is retried after ``_RETRY_S``.
"""

from __future__ import annotations

import threading

import anyio

from gateway import clock
from gateway.settings import get_settings

_MAX_AGE_S = 300
_RETRY_S = 10.0

_provider_keys: dict[str, tuple[float, str | None]] = {}
"""SSM name or secret id -> (monotonic time it expires, the key or None when it could not be read)."""
_fetching = threading.Lock()


def _fetch(name: str, param: str) -> str | None:
    """Read ``param`` from SSM (``/name``) or Secrets Manager; None (logged) when unreadable."""
    from aws_lambda_powertools.utilities import parameters

    from gateway.observability import logger

    try:
        if param.startswith("/"):
            value = parameters.get_parameter(param, decrypt=True, max_age=_MAX_AGE_S)
        else:
            value = parameters.get_secret(param, max_age=_MAX_AGE_S)
    except Exception as exc:  # a missing secret disables the feature; it must not 500
        logger.warning("secret unavailable", extra={"secret": name, "error": type(exc).__name__})
        return None
    return value if isinstance(value, str) and value else None


def get_secret(name: str) -> str | None:
    """The secret ``name`` (e.g. ``GATEWAY_ADMIN_KEY``), or None when none is configured or readable.

    May block on a fetch from SSM or Secrets Manager: async code uses ``secret``."""
    source = get_settings().secret(name)
    if source.value:
        return source.value
    if not source.param:
        return None
    return _fetch(name, source.param)


async def secret(name: str) -> str | None:
    """``get_secret`` for async code: a fetch from AWS runs in a worker thread, off the event loop."""
    source = get_settings().secret(name)
    if source.value or not source.param:
        return source.value
    return await anyio.to_thread.run_sync(get_secret, name)


def _cached(param: str) -> tuple[bool, str | None]:
    hit = _provider_keys.get(param)
    if hit is not None and clock.monotonic() < hit[0]:
        return True, hit[1]
    return False, None


def provider_key(param: str) -> str | None:
    """The provider key stored at ``param``: remembered for ``_MAX_AGE_S``, else fetched here
    (blocking; one fetch at a time, so concurrent callers wait for it instead of repeating it)."""
    fresh, value = _cached(param)
    if fresh:
        return value
    with _fetching:
        fresh, value = _cached(param)
        if fresh:
            return value
        value = _fetch("provider key", param)
        _provider_keys[param] = (clock.monotonic() + (_MAX_AGE_S if value else _RETRY_S), value)
        return value


async def provider_key_async(param: str) -> str | None:
    """``provider_key`` for async code: a fresh key without leaving the loop, a fetch in a worker thread."""
    fresh, value = _cached(param)
    if fresh:
        return value
    return await anyio.to_thread.run_sync(provider_key, param)


def forget() -> None:
    """Drop the remembered provider keys (tests; a container never needs to)."""
    _provider_keys.clear()


__all__ = ["forget", "get_secret", "provider_key", "provider_key_async", "secret"]

"""Secrets the gateway itself holds (the admin key, payment backend keys), read the Powertools way.

Locally a secret comes straight from the environment (``<NAME>``). On AWS the environment
names where it lives (``<NAME>_PARAM``): an SSM SecureString when the name starts with ``/``,
otherwise a Secrets Manager secret id or ARN. Powertools Parameters caches the value per
container for ``_MAX_AGE_S``, so a rotated secret takes effect within that time.
"""

from __future__ import annotations

import anyio

from gateway.settings import get_settings

_MAX_AGE_S = 300


def get_secret(name: str) -> str | None:
    """The secret ``name`` (e.g. ``GATEWAY_ADMIN_KEY``), or None when none is configured or readable.

    May block on a fetch from SSM or Secrets Manager: async code uses ``secret``."""
    source = get_settings().secret(name)
    if source.value:
        return source.value
    if not source.param:
        return None
    from aws_lambda_powertools.utilities import parameters

    from gateway.observability import logger

    try:
        if source.param.startswith("/"):
            value = parameters.get_parameter(source.param, decrypt=True, max_age=_MAX_AGE_S)
        else:
            value = parameters.get_secret(source.param, max_age=_MAX_AGE_S)
    except Exception as exc:  # a missing secret disables the feature; it must not 500
        logger.warning("secret unavailable", extra={"secret": name, "error": type(exc).__name__})
        return None
    return value if isinstance(value, str) and value else None


async def secret(name: str) -> str | None:
    """``get_secret`` for async code: a fetch from AWS runs in a worker thread, off the event loop."""
    source = get_settings().secret(name)
    if source.value or not source.param:
        return source.value
    return await anyio.to_thread.run_sync(get_secret, name)


__all__ = ["get_secret", "secret"]

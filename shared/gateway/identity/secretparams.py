"""Secrets the gateway itself holds (the admin key, payment backend keys), read the Powertools way.

Locally a secret comes straight from the environment (``<NAME>``). On AWS the environment
names where it lives (``<NAME>_PARAM``): an SSM SecureString when the name starts with ``/``,
otherwise a Secrets Manager secret id or ARN. Powertools Parameters caches the value per
container for ``_MAX_AGE_S``, so a rotated secret takes effect within that time.
"""

from __future__ import annotations

from gateway.settings import get_settings

_MAX_AGE_S = 300


def get_secret(name: str) -> str | None:
    """The secret ``name`` (e.g. ``GATEWAY_ADMIN_KEY``), or None when none is configured or readable."""
    env = get_settings().env
    if env.get(name):
        return env[name]
    where = env.get(f"{name}_PARAM")
    if not where:
        return None
    from aws_lambda_powertools.utilities import parameters

    from gateway.observability import logger

    try:
        if where.startswith("/"):
            value = parameters.get_parameter(where, decrypt=True, max_age=_MAX_AGE_S)
        else:
            value = parameters.get_secret(where, max_age=_MAX_AGE_S)
    except Exception as exc:  # noqa: BLE001 - a missing secret disables the feature; it must not 500
        logger.warning("secret unavailable", extra={"secret": name, "error": type(exc).__name__})
        return None
    return value if isinstance(value, str) and value else None

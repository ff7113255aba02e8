"""Status-code classification shared by the adapters; each adapter still reads its own error body."""

from __future__ import annotations

from typing import Any

from gateway.errors import (
    ContextLengthError,
    GatewayError,
    InvalidRequestError,
    UpstreamError,
    redact,
)

# Statuses after which another provider (or a later try) may well succeed.
RETRYABLE_STATUSES = frozenset({401, 403, 404, 408, 409, 425, 429, 500, 502, 503, 504, 529})


def classify(
    provider: str,
    status: int,
    message: str,
    body: Any,
    *,
    context_overflow: bool = False,
) -> GatewayError:
    """Map an upstream failure to the gateway's tree.

    A 400 the provider gave means the request itself is wrong for it: the client learns why
    (as a 400). Upstream auth failures are the gateway's misconfiguration, so they are a 502
    and fail over, never the client's 401. Rate limits and 5xx fail over.

    The provider's ``message`` reaches the client only redacted (it can echo our key); the
    raw ``body`` rides along on an ``UpstreamError`` for the log, never for the client.
    """
    message = redact(message)
    if context_overflow:
        return ContextLengthError(f"{provider}: {message}", param="messages")
    if status in (400, 413, 422):
        return InvalidRequestError(
            f"{provider} rejected the request: {message}", code="upstream_invalid_request"
        )
    code = {401: "upstream_auth_error", 403: "upstream_auth_error", 429: "upstream_rate_limited"}.get(status)
    return UpstreamError(
        f"{provider} returned {status}: {message}",
        provider=provider,
        upstream_status=status,
        retryable=status in RETRYABLE_STATUSES or status >= 500,
        body=body,
        code=code,
    )

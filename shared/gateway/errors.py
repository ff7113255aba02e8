"""The gateway's error tree, rendered once (in ``app.py``) as the OpenAI error envelope.

    GatewayError                      500 api_error
    ├── InvalidRequestError           400 invalid_request_error
    │   ├── UnsupportedParamError     400 invalid_request_error / unsupported_parameter
    │   ├── ContextLengthError        400 invalid_request_error / context_length_exceeded
    │   └── NoProfileError            400 invalid_request_error / model_not_profiled
    ├── PayloadTooLargeError          413 invalid_request_error / payload_too_large
    ├── AuthenticationError           401 authentication_error / invalid_api_key
    ├── PermissionDeniedError         403 permission_error
    ├── NotFoundError                 404 invalid_request_error / not_found
    │   └── ModelNotFoundError        404 invalid_request_error / model_not_found
    ├── RateLimitError                429 rate_limit_error / rate_limit_exceeded
    │   └── BudgetExceededError       429 rate_limit_error / budget_exceeded
    ├── InsufficientBalanceError      402 insufficient_quota / insufficient_balance
    ├── StoreUnavailableError         503 api_error / store_unavailable (DynamoDB unreachable or throttling)
    ├── DeadlineExceededError         504 api_error / deadline_exceeded (the function's time ran out; in-stream)
    └── UpstreamError                 502 upstream_error (a provider failed; carries its status)
        ├── UpstreamTimeoutError      504-ish, reported as 502 upstream_timeout
        ├── UpstreamConnectionError   502 upstream_connection_error
        └── AllProvidersFailedError   502 all_providers_failed (one record per attempt)

A client's mistake is always a 4xx; a 500 means a bug in the gateway, never bad input.

A provider's words reach the client only through ``redact``: anything that looks like a
credential is struck out and the text truncated, since a provider's (or a proxy's) error can
echo the key the gateway sent it. The provider's whole body goes to the log, never the client.
"""

from __future__ import annotations

import re
from typing import Any

_REDACTED = "[redacted]"
_CREDENTIALS = (
    # Bearer and Basic credentials, whatever follows the scheme.
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=*\-]+"),
    # name=value / name: value pairs whose name says secret.
    re.compile(
        r"(?i)(?<![\w-])((?:x-)?(?:goog-)?api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|key|secret(?:[_-]?key)?"
        r"|(?:access[_-]?|auth[_-]?|refresh[_-]?)?token|password|passwd|signature|credentials?)"
        r"(\"?\s*[=:]\s*\"?'?)[^\s'\",&;)]+"
    ),
    # Provider key formats (OpenAI sk-/sk-proj-, Anthropic sk-ant-, Groq gsk_, xAI, ours gw_live_),
    # masked or not.
    re.compile(r"\b(?:sk|pk|rk|gsk|xai|gw_live)[-_][A-Za-z0-9_*.\-]{4,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"),  # Google API keys
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{12,}\b"),  # AWS access key ids
    re.compile(r"\b[A-Fa-f0-9]{24,}\b"),  # long hex runs
    re.compile(r"[A-Za-z0-9+/_\-]{32,}={0,2}"),  # long base64 runs
)
REDACT_LIMIT = 300


def redact(text: str, limit: int = REDACT_LIMIT) -> str:
    """``text`` fit to show a client: credential-like runs struck out, whitespace folded,
    at most ``limit`` characters."""
    out = " ".join(str(text).split())
    for pattern in _CREDENTIALS:
        out = pattern.sub(_strike, out)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _strike(match: re.Match[str]) -> str:
    groups = match.groups()
    if len(groups) == 2:  # name=value: the name stays
        return f"{groups[0]}{groups[1]}{_REDACTED}"
    if len(groups) == 1:  # the auth scheme stays
        return f"{groups[0]} {_REDACTED}"
    return _REDACTED


class GatewayError(Exception):
    status: int = 500
    type: str = "api_error"
    code: str | None = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        self.headers = headers or {}
        self.extra = extra or {}

    def to_envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        body.update(self.extra)
        return {"error": body}


class InvalidRequestError(GatewayError):
    status = 400
    type = "invalid_request_error"
    code = "invalid_request"


class UnsupportedParamError(InvalidRequestError):
    code = "unsupported_parameter"


class ContextLengthError(InvalidRequestError):
    code = "context_length_exceeded"


class NoProfileError(InvalidRequestError):
    code = "model_not_profiled"


class PayloadTooLargeError(GatewayError):
    status = 413
    type = "invalid_request_error"
    code = "payload_too_large"


class AuthenticationError(GatewayError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class PermissionDeniedError(GatewayError):
    status = 403
    type = "permission_error"
    code = "forbidden"


class NotFoundError(GatewayError):
    status = 404
    type = "invalid_request_error"
    code = "not_found"


class ModelNotFoundError(NotFoundError):
    code = "model_not_found"

    def __init__(self, model: str) -> None:
        super().__init__(
            f"The model `{model}` does not exist or you do not have access to it.", param="model"
        )
        self.model = model


class RateLimitError(GatewayError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class BudgetExceededError(RateLimitError):
    code = "budget_exceeded"


class InsufficientBalanceError(GatewayError):
    status = 402
    type = "insufficient_quota"
    code = "insufficient_balance"


class StoreUnavailableError(GatewayError):
    """DynamoDB could not be reached or kept throttling after botocore's retries."""

    status = 503
    type = "api_error"
    code = "store_unavailable"


class DeadlineExceededError(GatewayError):
    """The function's own deadline is near: a stream stops here (an SSE error event, then
    ``[DONE]``) and what was delivered is billed, rather than Lambda cutting it unsettled."""

    status = 504
    type = "api_error"
    code = "deadline_exceeded"


class UpstreamError(GatewayError):
    """A provider failed. ``retryable`` tells failover whether the next target may succeed;
    ``unanswered`` that the request reached the provider and no answer came back (a read
    timeout, the connection dropped after sending), so the provider may bill its prompt."""

    status = 502
    type = "upstream_error"
    code = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        upstream_status: int | None = None,
        retryable: bool = False,
        body: Any = None,
        code: str | None = None,
        unanswered: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.provider = provider
        self.upstream_status = upstream_status
        self.retryable = retryable
        self.body = body
        self.unanswered = unanswered
        self.extra = {"provider": provider, "upstream_status": upstream_status}

    def named(self, provider: str) -> UpstreamError:
        """The same failure under the provider that was tried: adapters know only their own id,
        which a named deployment shares (``openai`` for any OpenAI-compatible server)."""
        if self.provider != provider:
            old, self.provider = self.provider, provider
            self.extra["provider"] = provider
            if old and self.message.startswith(old):
                self.message = provider + self.message[len(old) :]
                self.args = (self.message,)
        return self

    def record(self) -> dict[str, Any]:
        """One attempt's record: who was tried, what it answered, and a sanitized message; the
        PurAI seed's ``response`` shape is kept, its ``data`` the same message, never the body."""
        message = redact(self.message)
        return {
            "provider": self.provider,
            "status": self.upstream_status,
            "code": self.code,
            "message": message,
            "response": {"status": self.upstream_status, "data": message},
        }


class UpstreamTimeoutError(UpstreamError):
    code = "upstream_timeout"


class UpstreamConnectionError(UpstreamError):
    code = "upstream_connection_error"


class AllProvidersFailedError(GatewayError):
    status = 502
    type = "upstream_error"
    code = "all_providers_failed"

    def __init__(self, failures: list[UpstreamError]) -> None:
        last = failures[-1] if failures else None
        summary = (
            "; ".join(f"{f.provider}: {f.upstream_status or f.code}" for f in failures)
            or "no provider available"
        )
        super().__init__(
            f"Every provider failed ({summary}).",
            extra={
                "records": [f.record() for f in failures],
                "upstream_status": last.upstream_status if last else None,
            },
        )
        self.failures = failures

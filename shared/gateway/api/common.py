"""What every route does the same way: read and validate the body, authenticate, build the
request context, and write the gateway's response headers."""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from gateway import clock
from gateway.context import RequestContext, current_context
from gateway.errors import InvalidRequestError, PayloadTooLargeError
from gateway.identity.auth import authenticate
from gateway.observability import logger
from gateway.settings import get_settings

if TYPE_CHECKING:
    from starlette.requests import Request

M = TypeVar("M", bound=BaseModel)


def request_id(request: Request) -> str:
    """API Gateway's request id when there is one (so logs, traces and the ledger agree).

    Mangum hands over the event itself; the Lambda Web Adapter forwards the event's
    requestContext as the ``x-amzn-request-context`` header.
    """
    event = request.scope.get("aws.event") or {}
    rid = (event.get("requestContext") or {}).get("requestId")
    if not rid and (raw := request.headers.get("x-amzn-request-context")):
        try:
            rid = json.loads(raw).get("requestId")
        except ValueError:
            rid = None
    return rid or f"req_{uuid.uuid4().hex}"


APP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,63}")
"""``X-App-ID``: 1 to 64 characters, letters, digits and ``. _ : @ / + -``, starting with a
letter or digit (README, "Attributing usage to apps")."""


def app_id(raw: str | None) -> str:
    """The request's app for usage attribution; ``Unknown`` when absent, a 400 when malformed."""
    if raw is None or not raw.strip():
        return "Unknown"
    value = raw.strip()
    if not APP_ID.fullmatch(value):
        raise InvalidRequestError(
            "Invalid X-App-ID header: use 1 to 64 letters, digits and . _ : @ / + - , starting with a "
            "letter or digit.",
            param="X-App-ID",
            code="invalid_app_id",
        )
    return value


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("body",) and not str(part).startswith(("function-", "tagged-union")):
            out += ("." if out else "") + str(part)
    return out


def validation_error(exc: ValidationError) -> InvalidRequestError:
    err = exc.errors(include_url=False)[0]
    if err["type"] == "json_invalid":
        return InvalidRequestError(
            "We could not parse the JSON body of your request: " + err["msg"], code="invalid_json"
        )
    path = field_path(tuple(err["loc"]))
    if err["type"] == "extra_forbidden":
        return InvalidRequestError(
            f"Unrecognized request argument supplied: {path}", param=path, code="unknown_parameter"
        )
    if err["type"] == "missing":
        return InvalidRequestError(
            f"Missing required parameter: '{path}'.", param=path, code="missing_required_parameter"
        )
    msg = err["msg"].removeprefix("Value error, ")
    return InvalidRequestError(f"Invalid value for '{path}': {msg}", param=path or None, code="invalid_value")


async def read_body(request: Request, model: type[M], unknown: list[str] | None = None) -> M:
    """The body validated by ``model`` (400 naming the field, 413 over the limit). Given
    ``unknown``, a body with ``drop_params: true`` loses the top-level fields ``model`` does not
    know instead of being refused, and their names go into ``unknown``."""
    limit = get_settings().max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"The request body is larger than the {limit}-byte limit.")
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLargeError(f"The request body is larger than the {limit}-byte limit.")
    if not body.strip():
        raise InvalidRequestError("The request body is empty; send a JSON object.", code="invalid_json")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if unknown is not None and any(e["type"] == "extra_forbidden" for e in exc.errors()):
            lenient = _without_unknown(body, model, unknown)
            if lenient is not None:
                return lenient
        raise validation_error(exc) from None


def _without_unknown(body: bytes, model: type[M], unknown: list[str]) -> M | None:
    """With ``drop_params: true``, the body less its top-level fields the model does not know
    (their names appended to ``unknown``); None when drop_params is not set."""
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("drop_params") is not True:
        return None
    names = sorted(k for k in data if k not in model.model_fields)
    try:
        out = model.model_validate({k: v for k, v in data.items() if k not in names})
    except ValidationError as exc:
        raise validation_error(exc) from None
    unknown.extend(names)
    return out


def deadline(request: Request) -> float:
    """When this invocation is cut off, on ``clock.monotonic()``.

    The Lambda context knows: Mangum puts it in ``scope["aws.context"]``; the Lambda Web
    Adapter forwards it as the ``x-amzn-lambda-context`` header, a JSON object whose
    ``deadline`` is the invocation's end in epoch milliseconds (``deadline_ms`` accepted too).
    Without either (local runs), ``FUNCTION_TIMEOUT_S`` from now.
    """
    now = clock.monotonic()
    fallback = now + get_settings().function_timeout_s
    lambda_context = request.scope.get("aws.context")
    remaining: float | None = None
    try:
        if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
            remaining = float(lambda_context.get_remaining_time_in_millis()) / 1000
        elif raw := request.headers.get("x-amzn-lambda-context"):
            fields = json.loads(raw)
            ms = fields.get("deadline") or fields.get("deadline_ms")
            if ms:
                remaining = float(ms) / 1000 - clock.now()
    except (ValueError, TypeError, AttributeError):
        remaining = None
    if remaining is None or remaining <= 0:
        return fallback
    return now + remaining


def read_query(request: Request, model: type[M]) -> M:
    """The query string validated by ``model``: a value out of its bounds is a 400 naming it."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise validation_error(exc) from None


async def context(request: Request) -> RequestContext:
    rid = request_id(request)
    request.state.request_id = rid
    ctx = RequestContext(request_id=rid, deadline=deadline(request))
    current_context.set(ctx)
    # Every log line of this request carries its id (Lambda serves one request at a time).
    logger.set_correlation_id(rid)
    ctx.principal = await authenticate(request.headers)
    ctx.app_id = app_id(request.headers.get("x-app-id"))
    request.state.ctx = ctx
    return ctx


def gateway_headers(ctx: RequestContext, model: str, tier: str | None, cost: float | None) -> dict[str, str]:
    headers = {
        "x-request-id": ctx.request_id,
        "x-gateway-model": model,
        "x-gateway-attempts": str(ctx.attempts),
        "server-timing": f'store;dur={ctx.store_ms:.3f};desc="{ctx.store_calls} calls", '
        f"upstream;dur={ctx.upstream_ms:.3f}",
    }
    if ctx.provider:
        headers["x-gateway-provider"] = ctx.provider
    if tier:
        headers["x-gateway-tier"] = tier
    if cost is not None:
        headers["x-gateway-cost"] = f"{cost:.9f}".rstrip("0").rstrip(".") or "0"
    dropped = [*ctx.unknown_params, *ctx.dropped_params]
    if dropped:
        headers["x-gateway-dropped-params"] = ",".join(dropped)
    headers.update(ctx.limit_headers)
    return headers

"""create_app(): the routers a function serves, one error handler for everything, observability."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from gateway.errors import GatewayError
from gateway.observability import logger

if TYPE_CHECKING:
    from gateway.api.route_table import APIRouter

_HTTP_CODES = {
    404: ("invalid_request_error", "unknown_route"),
    405: ("invalid_request_error", "method_not_allowed"),
}


def error_response(exc: GatewayError, request: Request | None = None) -> JSONResponse:
    ctx = getattr(request.state, "ctx", None) if request is not None else None
    # A request that was admitted and then failed still reports its rate-limit windows.
    headers = {**(ctx.limit_headers if ctx is not None else {}), **exc.headers}
    rid = getattr(request.state, "request_id", None) if request is not None else None
    if rid:
        headers["x-request-id"] = rid
    return JSONResponse(exc.to_envelope(), status_code=exc.status, headers=headers)


async def _gateway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    if exc.status >= 500:
        logger.warning("request failed", extra={"code": exc.code, "status": exc.status, "error": exc.message})
    return error_response(exc, request)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    type_, code = _HTTP_CODES.get(exc.status_code, ("invalid_request_error", "http_error"))
    message = (
        f"Unknown request URL: {request.method} {request.url.path}."
        if exc.status_code == 404
        else f"{exc.detail}: {request.method} {request.url.path}"
    )
    # A 405 keeps Starlette's Allow header (RFC 9110: the methods the route does take).
    err = GatewayError(message, code=code, headers=dict(exc.headers or {}))
    err.status, err.type = exc.status_code, type_
    return error_response(err, request)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error")
    err = GatewayError("The gateway hit an internal error; it has been logged. Please retry.")
    return error_response(err, request)


async def _healthz(request: Request) -> PlainTextResponse:
    """The Web Adapter's readiness check (AWS_LWA_READINESS_CHECK_PATH): the app is imported."""
    return PlainTextResponse("ok")


def create_app(*routers: APIRouter) -> Starlette:
    routes = [Route("/healthz", _healthz, methods=["GET"])]
    for router in routers:
        routes.extend(router.routes)
    return Starlette(
        routes=routes,
        exception_handlers={
            GatewayError: _gateway_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )


__all__ = ["create_app", "error_response"]

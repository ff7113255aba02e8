"""create_app(): the routers a function serves, one error handler for everything, observability."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from gateway.errors import GatewayError, InvalidRequestError
from gateway.observability import logger

if TYPE_CHECKING:
    from fastapi import APIRouter

_HTTP_CODES = {404: ("invalid_request_error", "unknown_route"), 405: ("invalid_request_error", "method_not_allowed")}


def error_response(exc: GatewayError, request: Request | None = None) -> JSONResponse:
    ctx = getattr(request.state, "ctx", None) if request is not None else None
    # A request that was admitted and then failed still reports its rate-limit windows.
    headers = {**((ctx.extra.get("limit_headers") or {}) if ctx is not None else {}), **exc.headers}
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
    err = GatewayError(message, code=code)
    err.status, err.type = exc.status_code, type_
    return error_response(err, request)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    param = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
    return error_response(InvalidRequestError(f"Invalid value for '{param}': {first['msg']}", param=param), request)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error")
    err = GatewayError("The gateway hit an internal error; it has been logged. Please retry.")
    return error_response(err, request)


def create_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI(
        title="LLM Gateway",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        exception_handlers={
            GatewayError: _gateway_error,
            HTTPException: _http_error,
            RequestValidationError: _validation_error,
            Exception: _unexpected,
        },
    )
    for router in routers:
        app.include_router(router)
    return app


__all__ = ["create_app", "error_response"]

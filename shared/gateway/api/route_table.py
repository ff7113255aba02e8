"""A small route table in FastAPI's decorator style, on Starlette alone.

The gateway uses none of FastAPI's OpenAPI or dependency machinery, and importing it costs
~250 ms of every cold start (docs/BENCHMARKS.md). Endpoints take the ``Request`` and, by
name, path and query parameters, converted to the annotated ``str``/``int``/``float`` with
the signature's defaults; a missing or malformed one is a 400 naming it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.errors import InvalidRequestError

Endpoint = Callable[..., Awaitable[Response]]
_CONVERT: dict[str, Callable[[str], Any]] = {"int": int, "float": float}


def _converter(annotation: Any) -> Callable[[str], Any] | None:
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return _CONVERT.get(name.split("|")[0].strip())


def _bind(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    params = [p for p in inspect.signature(endpoint).parameters.values() if p.name != "request"]
    specs = [(p.name, _converter(p.annotation), p.default) for p in params]

    async def handle(request: Request) -> Response:
        kwargs: dict[str, Any] = {}
        for name, convert, default in specs:
            raw = request.path_params.get(name, request.query_params.get(name))
            if raw is None:
                if default is inspect.Parameter.empty:
                    raise InvalidRequestError(
                        f"Missing required parameter: '{name}'.",
                        param=name,
                        code="missing_required_parameter",
                    )
                kwargs[name] = default
                continue
            try:
                kwargs[name] = convert(raw) if convert else raw
            except ValueError:
                raise InvalidRequestError(
                    f"Invalid value for '{name}': {raw!r}.", param=name, code="invalid_value"
                ) from None
        return await endpoint(request=request, **kwargs)

    return handle


class APIRouter:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def _add(self, method: str, path: str) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.routes.append(Route(path, _bind(endpoint), methods=[method], name=endpoint.__name__))
            return endpoint

        return register

    def get(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self._add("GET", path)

    def post(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self._add("POST", path)

    def patch(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self._add("PATCH", path)

    def delete(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self._add("DELETE", path)

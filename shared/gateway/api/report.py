"""GET /v1/report: the caller's 24 h spend report, as JSON or (``?format=html``) a page.

A key reads its own report only. The admin key (``GATEWAY_ADMIN_KEY``, see ``gateway.identity.auth``)
reads any key's (``?key=<id>``) or the gateway's (``?scope=all``, its default).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway.api.common import read_query, request_id
from gateway.api.route_table import APIRouter
from gateway.context import Principal, RequestContext, current_context
from gateway.errors import InvalidRequestError, PermissionDeniedError
from gateway.identity.auth import authenticate
from gateway.reports import builder, html
from gateway.schemas.report import ReportQuery

router = APIRouter()


async def _caller(request: Request) -> Principal:
    """The common request context, except that the admin key is accepted here."""
    rid = request_id(request)
    request.state.request_id = rid
    ctx = RequestContext(request_id=rid)
    current_context.set(ctx)
    ctx.principal = await authenticate(request.headers, allow_admin=True)
    return ctx.principal


def _subject(principal: Principal, key: str | None, scope: str | None) -> str | None:
    """The key id whose report is asked for, or None for the gateway's."""
    if scope not in (None, "", "key", "all"):
        raise InvalidRequestError("`scope` is `key` or `all`.", param="scope", code="invalid_value")
    if principal.is_admin:
        if key and scope == "all":
            raise InvalidRequestError(
                "Give `key` or `scope=all`, not both.", param="scope", code="invalid_value"
            )
        return key or None
    if scope == "all" or (key and key != principal.id):
        raise PermissionDeniedError("Only an admin key can read another key's or the gateway's report.")
    return principal.id


@router.get("/v1/report")
async def get_report(request: Request) -> Response:
    principal = await _caller(request)
    query = read_query(request, ReportQuery)
    report = await builder.latest(_subject(principal, query.key, query.scope))
    headers = {"cache-control": "private, no-store", "x-request-id": request.state.request_id}
    if query.format == "html":
        return HTMLResponse(html.render(report), headers=headers)
    return JSONResponse(report, headers=headers)

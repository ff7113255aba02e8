"""GET /v1/report: the caller's 24 h spend report, as JSON or (``?format=html``) a page.

A key reads its own report only. The admin key (``GATEWAY_ADMIN_KEY``, see ``gateway.identity.auth``)
reads any key's (``?key=<id>``) or the gateway's (``?scope=all``, its default). ``?link=true``
answers a signed URL of the HTML report that a browser opens without a key for 15 minutes
(``identity/links.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway.api.common import read_query, request_id
from gateway.api.route_table import APIRouter
from gateway.context import Principal, RequestContext, current_context
from gateway.errors import InvalidRequestError, PermissionDeniedError
from gateway.identity import links
from gateway.identity.auth import authenticate, credential
from gateway.reports import builder, html
from gateway.schemas.report import ReportLink, ReportQuery

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


LINK_TTL_S = 900
"""How long a signed link to the HTML report opens it (15 minutes)."""


async def _signed(request: Request, token: str) -> Response:
    """The HTML report a signed link names: no key, the link is the credential."""
    request.state.request_id = request_id(request)
    claims = await links.verify(token)
    subject = claims.get("key")
    report = await builder.latest(subject if isinstance(subject, str) and subject else None)
    headers = {
        "cache-control": "private, no-store",
        "x-request-id": request.state.request_id,
        "referrer-policy": "no-referrer",
    }
    return HTMLResponse(html.render(report), headers=headers)


@router.get("/v1/report")
async def get_report(request: Request) -> Response:
    query = read_query(request, ReportQuery)
    if query.token is not None and not credential(request.headers):
        return await _signed(request, query.token)
    principal = await _caller(request)
    subject = _subject(principal, query.key, query.scope)
    headers = {"cache-control": "private, no-store", "x-request-id": request.state.request_id}
    if query.link:
        token, expires = await links.sign({"key": subject or ""}, LINK_TTL_S)
        url = str(request.url.replace(query=urlencode({"format": "html", "token": token})))
        at = datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds")
        return JSONResponse(ReportLink(url=url, expires_at=at).model_dump(mode="json"), headers=headers)
    report = await builder.latest(subject)
    if query.format == "html":
        return HTMLResponse(html.render(report), headers=headers)
    return JSONResponse(report, headers=headers)

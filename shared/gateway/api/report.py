"""GET /v1/report: the caller's 24 h spend report, as JSON or (``?format=html``) a page.

A key reads its own report only. Admins (``x-api-key`` equal to ``GATEWAY_ADMIN_KEY``) read
any key's (``?key=<id>``) or the gateway's (``?scope=all``, their default).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway.api.common import context, request_id
from gateway.auth import credential
from gateway.context import Principal
from gateway.errors import InvalidRequestError, PermissionDeniedError
from gateway.reports import builder, html
from gateway.settings import get_settings


router = APIRouter()


def _is_admin_key(plain: str | None) -> bool:
    # Until auth.py recognizes the admin key itself (the keys work), compare it here.
    admin = get_settings().env.get("GATEWAY_ADMIN_KEY")
    return bool(admin and plain and hmac.compare_digest(plain.encode(), admin.encode()))


async def _caller(request: Request) -> Principal:
    if _is_admin_key(credential(request.headers)):
        request.state.request_id = request_id(request)
        return Principal(id="admin", kind="admin", is_admin=True)
    return (await context(request)).principal


def _subject(principal: Principal, key: str | None, scope: str | None) -> str | None:
    """The key id whose report is asked for, or None for the gateway's."""
    if scope not in (None, "", "key", "all"):
        raise InvalidRequestError("`scope` is `key` or `all`.", param="scope", code="invalid_value")
    if principal.is_admin:
        if key and scope == "all":
            raise InvalidRequestError("Give `key` or `scope=all`, not both.", param="scope", code="invalid_value")
        return key or None
    if scope == "all" or (key and key != principal.id):
        raise PermissionDeniedError("Only an admin key can read another key's or the gateway's report.")
    return principal.id


@router.get("/v1/report")
async def get_report(request: Request, format: str = "json", key: str | None = None,  # noqa: A002
                     scope: str | None = None) -> Response:
    principal = await _caller(request)
    if format not in ("json", "html"):
        raise InvalidRequestError("`format` is `json` or `html`.", param="format", code="invalid_value")
    report = await builder.latest(_subject(principal, key, scope))
    headers = {"cache-control": "private, no-store", "x-request-id": request.state.request_id}
    if format == "html":
        return HTMLResponse(html.render(report), headers=headers)
    return JSONResponse(report, headers=headers)

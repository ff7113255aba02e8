"""Keys: self-serve creation (throttled per source IP) and the admin routes.

- ``POST /v1/keys`` ``{"label"}``: a new key, shown once. With the admin key it may also set
  limits (``daily_budget_usd``, ``rpm``, ``tpm``, ``free_requests``, ``default_cost_weight``).
- ``GET /v1/keys``, ``PATCH /v1/keys/{id}``, ``DELETE /v1/keys/{id}``: admin only (403 for any
  other credential). ``{id}`` may be ``jwt:<sub>`` to set a JWT subject's limits.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway import clock
from gateway.accounting.admission import Limits
from gateway.api.common import read_body, request_id
from gateway.api.route_table import APIRouter
from gateway.errors import NotFoundError, PermissionDeniedError, RateLimitError
from gateway.identity import apikeys, auth
from gateway.schemas.keys import KeyCreated, KeyCreateRequest, KeyPatchRequest, KeyView
from gateway.settings import get_settings
from gateway.store import accounts, keys

router = APIRouter()


def source_ip(request: Request) -> str:
    event = request.scope.get("aws.event") or {}
    ip = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp")
    return ip or (request.client.host if request.client else "unknown")


def view(record: dict[str, Any], account: accounts.Account | None = None) -> KeyView:
    jwt_sub = record["pk"].removeprefix("JWT#") if record["pk"].startswith("JWT#") else None
    key_id = f"jwt:{jwt_sub}" if jwt_sub else record["key_id"]
    out = KeyView(
        id=key_id,
        label=record.get("label"),
        kind="jwt" if jwt_sub else "key",
        prefix="" if jwt_sub else apikeys.display_prefix(key_id),
        status=record.get("status", "active"),
        limits={
            k: float(v) if k in ("daily_budget_usd", "default_cost_weight") else int(v)
            for k, v in (record.get("limits") or {}).items()
        },
        created_at=record.get("created_at"),
    )
    allowance = Limits.of(dict(record.get("limits") or {})).free_requests
    out.free_requests_allowance = allowance
    out.free_tier_models = ["*"] if auth.is_managed(record) else list(get_settings().self_serve.free_tier)
    used = account.free_used if account is not None else 0
    out.free_requests_remaining = max(0, allowance - used)
    if account is not None:
        now = clock.now()
        out.spend_today_usd = float(account.spent_usd(now))
        out.requests_today = account.requests_on_day(now)
        out.free_requests_used = used
    return out


def _json(model: Any, request: Request, status: int = 200) -> JSONResponse:
    data = model.model_dump(mode="json", exclude_none=True) if hasattr(model, "model_dump") else model
    return JSONResponse(data, status_code=status, headers={"x-request-id": request.state.request_id})


def _begin(request: Request) -> None:
    request.state.request_id = request_id(request)


@router.post("/v1/keys")
async def create_key(request: Request) -> JSONResponse:
    _begin(request)
    body = await read_body(request, KeyCreateRequest)
    given = {k: v for k, v in body.given().items() if v is not None}
    principal = (
        await auth.authenticate(request.headers, allow_admin=True)
        if auth.credential(request.headers)
        else None
    )
    if principal is not None and principal.is_admin:
        plain, record = await keys.create(body.label, given, created_by="admin")
    else:
        if given:
            raise PermissionDeniedError(
                "Setting limits on a key needs the gateway's admin key.", code="admin_required"
            )
        settings = get_settings()
        if not settings.self_serve.enabled:
            raise PermissionDeniedError(
                "Self-serve keys are turned off on this gateway: ask its admin for a key.",
                code="self_serve_disabled",
            )
        per_min = settings.key_creates_per_ip_per_min
        if not await keys.count_creation(source_ip(request), per_min):
            wait = max(1, int(60 - clock.now() % 60))
            raise RateLimitError(
                f"Too many keys created from this address: at most {per_min} a minute. Retry in {wait} s.",
                code="key_creation_rate_limited",
                headers={"retry-after": str(wait)},
                extra={"retry_after": wait},
            )
        # Limits of their own from the start (the template's self-serve defaults), so a later
        # change of the defaults never reaches keys already out there.
        plain, record = await keys.create(body.label, settings.self_serve.limits())
    created = KeyCreated(key=plain, **view(record).model_dump())
    return _json(created, request, 201)


@router.get("/v1/keys")
async def list_keys(request: Request, limit: int = 100, cursor: str | None = None) -> JSONResponse:
    _begin(request)
    await auth.authenticate_admin(request.headers)
    records, nxt = await keys.list_keys(max(1, min(limit, 100)), cursor)
    found = await accounts.get_many([r["key_id"] for r in records]) if records else {}
    data = [view(r, found[r["key_id"]]).model_dump(mode="json", exclude_none=True) for r in records]
    return _json({"object": "list", "data": data, "next_cursor": nxt}, request)


@router.patch("/v1/keys/{key_id}")
async def patch_key(key_id: str, request: Request) -> JSONResponse:
    _begin(request)
    await auth.authenticate_admin(request.headers)
    body = await read_body(request, KeyPatchRequest)
    record: dict[str, Any] | None
    if key_id.startswith("jwt:") and len(key_id) > 4:
        record = await keys.upsert_jwt(key_id[4:], label=body.label, limits=body.given(), status=body.status)
    else:
        record = await keys.update(key_id, label=body.label, limits=body.given(), status=body.status)
    if record is None:
        raise NotFoundError(f"No key with id `{key_id}`.", param="id")
    auth.forget()  # this container at once; others within KEY_CACHE_TTL_S
    return _json(view(record), request)


@router.delete("/v1/keys/{key_id}")
async def revoke_key(key_id: str, request: Request) -> JSONResponse:
    _begin(request)
    await auth.authenticate_admin(request.headers)
    record: dict[str, Any] | None
    if key_id.startswith("jwt:") and len(key_id) > 4:
        record = await keys.upsert_jwt(key_id[4:], status="revoked")
    else:
        record = await keys.update(key_id, status="revoked")
    if record is None:
        raise NotFoundError(f"No key with id `{key_id}`.", param="id")
    auth.forget()
    return _json({"id": key_id, "object": "key", "deleted": True, "status": "revoked"}, request)

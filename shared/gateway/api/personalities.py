"""Personalities (the PurAI seed): ``GET /v1/personalities`` for any key; the admin creates,
changes and removes them (``POST /v1/personalities`` or ``POST /v1/personalities/{id}``,
``PATCH``/``DELETE /v1/personalities/{id}``). Shipped ones can be replaced under the same id;
deleting a replacement brings the shipped one back."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.api.common import context, read_body, request_id
from gateway.api.route_table import APIRouter
from gateway.catalog.personalities import Personality
from gateway.completion import personality as personalities
from gateway.errors import InvalidRequestError, NotFoundError
from gateway.identity import auth
from gateway.schemas.personalities import (
    PersonalityCreate,
    PersonalityDeleted,
    PersonalityList,
    PersonalityPatch,
)
from gateway.store import personalities as stored

router = APIRouter()


def _json(
    body: PersonalityList | Personality | PersonalityDeleted, rid: str, status: int = 200
) -> JSONResponse:
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers={"x-request-id": rid}
    )


async def _admin(request: Request) -> str:
    rid = request.state.request_id = request_id(request)
    await auth.authenticate_admin(request.headers)
    return rid


@router.get("/v1/personalities")
async def list_personalities(request: Request) -> JSONResponse:
    ctx = await context(request)
    return _json(PersonalityList(data=await personalities.every()), ctx.request_id)


async def _save(personality_id: str, request: Request, rid: str, status: int) -> JSONResponse:
    body = await read_body(request, PersonalityCreate)
    if body.id is not None and body.id != personality_id:
        raise InvalidRequestError("The body's `id` differs from the path's.", param="id")
    fields = body.model_dump(exclude={"id"}, exclude_none=True)
    saved = Personality.model_validate({**fields, "id": personality_id, "source": "custom"})
    await stored.put(personality_id, saved.model_dump(exclude={"id", "source"}, exclude_none=True))
    return _json(saved, rid, status)


@router.post("/v1/personalities")
async def create_personality(request: Request) -> JSONResponse:
    rid = await _admin(request)
    body = await read_body(request, PersonalityCreate)
    if body.id is None:
        raise InvalidRequestError(
            "Missing required parameter: 'id'.", param="id", code="missing_required_parameter"
        )
    fields = body.model_dump(exclude={"id"}, exclude_none=True)
    saved = Personality.model_validate({**fields, "id": body.id, "source": "custom"})
    await stored.put(body.id, saved.model_dump(exclude={"id", "source"}, exclude_none=True))
    return _json(saved, rid, 201)


@router.post("/v1/personalities/{personality_id}")
async def put_personality(personality_id: str, request: Request) -> JSONResponse:
    rid = await _admin(request)
    return await _save(personality_id, request, rid, 201)


@router.patch("/v1/personalities/{personality_id}")
async def patch_personality(personality_id: str, request: Request) -> JSONResponse:
    rid = await _admin(request)
    current = await personalities.find(personality_id)
    if current is None:
        raise NotFoundError(f"No personality `{personality_id}`.", param="id", code="personality_not_found")
    change = (await read_body(request, PersonalityPatch)).model_dump(exclude_unset=True)
    merged = Personality.model_validate({**current.model_dump(), **change, "source": "custom"})
    await stored.put(personality_id, merged.model_dump(exclude={"id", "source"}, exclude_none=True))
    return _json(merged, rid)


@router.delete("/v1/personalities/{personality_id}")
async def delete_personality(personality_id: str, request: Request) -> JSONResponse:
    rid = await _admin(request)
    if not await stored.delete(personality_id):
        raise NotFoundError(
            f"No personality `{personality_id}` of this gateway's own (shipped ones cannot be deleted).",
            param="id",
            code="personality_not_found",
        )
    return _json(PersonalityDeleted(id=personality_id), rid)

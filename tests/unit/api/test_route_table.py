"""The route table binds path and query parameters by name, with their types and defaults."""

import httpx
import pytest
from starlette.responses import JSONResponse

from gateway.api.route_table import APIRouter
from gateway.app import create_app

router = APIRouter()


@router.get("/items/{item_id}")
async def get_item(item_id: str, request, limit: int = 10, tag: str | None = None):
    return JSONResponse({"item_id": item_id, "limit": limit, "tag": tag})


@router.get("/need")
async def need(request, q: str):
    return JSONResponse({"q": q})


@pytest.fixture
async def client():
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(router)), base_url="http://t"
    ) as c:
        yield c


async def test_path_param_before_request_and_defaults(client):
    r = await client.get("/items/jwt:carol")
    assert r.json() == {"item_id": "jwt:carol", "limit": 10, "tag": None}


async def test_query_params_are_converted(client):
    r = await client.get("/items/a", params={"limit": "3", "tag": "x"})
    assert r.json() == {"item_id": "a", "limit": 3, "tag": "x"}


async def test_malformed_and_missing_params_are_400s_naming_them(client):
    r = await client.get("/items/a", params={"limit": "many"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "limit"
    r = await client.get("/need")
    assert r.status_code == 400 and r.json()["error"]["code"] == "missing_required_parameter"


async def test_readiness_route(client):
    assert (await client.get("/healthz")).text == "ok"

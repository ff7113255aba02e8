"""Every error is the OpenAI envelope with the right status, rendered by create_app()."""

import httpx
import pytest

from gateway.api.chat import router
from gateway.app import create_app


@pytest.fixture
async def client():
    app = create_app(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as c:
        yield c


def _envelope(resp):
    body = resp.json()
    assert set(body) == {"error"}
    assert {"message", "type", "param", "code"} <= set(body["error"])
    return body["error"]


async def test_unknown_route_is_404_envelope(client):
    resp = await client.get("/v1/nowhere")
    assert resp.status_code == 404
    assert _envelope(resp)["code"] == "unknown_route"


async def test_wrong_method_is_405_envelope(client):
    resp = await client.get("/v1/chat/completions")
    assert resp.status_code == 405
    assert _envelope(resp)["code"] == "method_not_allowed"


async def test_missing_key_is_401_before_anything_else(client):
    resp = await client.post("/v1/chat/completions", content=b"{not json")
    assert resp.status_code == 401
    assert _envelope(resp)["code"] == "missing_api_key"


async def test_body_over_limit_is_413(client, monkeypatch):
    from gateway import api

    async def no_auth(request):
        from gateway.context import Principal, RequestContext

        return RequestContext(request_id="r", principal=Principal(id="k"))

    monkeypatch.setattr(api.chat, "context", no_auth)
    from gateway.settings import get_settings

    limit = get_settings().max_body_bytes
    resp = await client.post("/v1/chat/completions", content=b"x" * (limit + 1))
    assert resp.status_code == 413
    assert _envelope(resp)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        (b"{not json", None, "invalid_json"),
        (b'{"model": "gpt-4o-mini"}', "messages", "missing_required_parameter"),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "x": 1}',
            "x",
            "unknown_parameter",
        ),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stop": ["a","b","c","d","e"]}',
            "stop",
            "invalid_value",
        ),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "hi"}]}',
            "messages[0]",
            "invalid_value",
        ),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "top_p": 1.5}',
            "top_p",
            "invalid_value",
        ),
    ],
)
async def test_bad_input_is_400_naming_the_field(client, monkeypatch, body, param, code):
    from gateway import api
    from gateway.context import Principal, RequestContext

    async def no_auth(request):
        return RequestContext(request_id="r", principal=Principal(id="k"))

    monkeypatch.setattr(api.chat, "context", no_auth)
    resp = await client.post("/v1/chat/completions", content=body)
    assert resp.status_code == 400
    err = _envelope(resp)
    assert err["type"] == "invalid_request_error"
    assert err["code"] == code
    assert err["param"] == param


async def test_unexpected_exception_is_500_without_trace(client, monkeypatch):
    from gateway import api

    async def boom(request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.chat, "context", boom)
    resp = await client.post("/v1/chat/completions", content=b"{}")
    assert resp.status_code == 500
    err = _envelope(resp)
    assert "secret internals" not in resp.text and "Traceback" not in resp.text
    assert err["type"] == "api_error"

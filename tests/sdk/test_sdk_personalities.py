"""The SDK's ``personalities`` resource against a tiny fake of ``/v1/personalities`` served
in-process (an ``httpx2.MockTransport`` under the SDK's own transport), NOT against the stack:
the endpoint is being built apart (issue 14). The fake follows the issue's documented shape:
``GET /v1/personalities`` lists them (id, name, description, default model) for any key;
``POST/PATCH/DELETE /v1/personalities/{id}`` need the admin key."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest
from llm_gateway import AsyncGateway, AsyncGatewayTransport, Gateway, GatewayTransport, Policy, types

BASE = "http://fake.test/v1"
ADMIN, USER = "gw_admin_fake", "gw_live_fake_user"


class FakePersonalities:
    def __init__(self) -> None:
        self.items: dict[str, dict] = {
            "concise": {"id": "concise", "object": "personality", "name": "Concise", "model": "auto"}
        }

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        path = request.url.path.removeprefix("/v1/personalities").strip("/")
        if request.method == "GET" and not path:
            return httpx2.Response(200, json={"object": "list", "data": list(self.items.values())})
        if token != ADMIN:
            return httpx2.Response(
                403,
                json={"error": {"message": "admin only", "type": "permission_error", "code": "forbidden"}},
            )
        body = json.loads(request.content) if request.content else {}
        if request.method == "POST":
            self.items[path] = {"id": path, "object": "personality", **body}
            return httpx2.Response(201, json=self.items[path])
        if path not in self.items:
            return httpx2.Response(
                404, json={"error": {"message": "no such personality", "code": "not_found"}}
            )
        if request.method == "PATCH":
            self.items[path].update(body)
            return httpx2.Response(200, json=self.items[path])
        del self.items[path]
        return httpx2.Response(200, json={"id": path, "object": "personality", "deleted": True})


def test_list_create_update_delete():
    fake = FakePersonalities()
    transport = GatewayTransport(Policy((BASE + "/",)), inner=httpx2.MockTransport(fake))
    gw = Gateway(
        api_key=USER,
        admin_key=ADMIN,
        base_url=BASE,
        http_client=openai.DefaultHttpxClient(transport=transport),
    )

    listed = gw.personalities.list()
    assert isinstance(listed, types.PersonalityList) and listed.data[0].model == "auto"

    made = gw.personalities.create(
        "pirate", name="Pirate", system_prompt="Talk like a pirate.", model="gpt-4o-mini", temperature=0.9
    )
    assert made.id == "pirate" and made.system_prompt == "Talk like a pirate." and made.temperature == 0.9
    changed = gw.personalities.update("pirate", temperature=None, description="Arr")
    assert changed.temperature is None and changed.description == "Arr"
    assert gw.personalities.delete("pirate").deleted
    assert [p.id for p in gw.personalities.list().data] == ["concise"]

    with pytest.raises(openai.NotFoundError):
        gw.personalities.delete("pirate")
    with pytest.raises(openai.PermissionDeniedError):  # without the admin key, the API key is sent
        gw.with_options(admin_key=None).personalities.create("x", name="X")


async def test_async_twin():
    fake = FakePersonalities()
    transport = AsyncGatewayTransport(Policy((BASE + "/",)), inner=httpx2.MockTransport(fake))
    client = openai.DefaultAsyncHttpxClient(transport=transport)
    async with AsyncGateway(api_key=USER, admin_key=ADMIN, base_url=BASE, http_client=client) as gw:
        await gw.personalities.create("terse", name="Terse", max_tokens=50)
        assert {p.id for p in (await gw.personalities.list()).data} == {"concise", "terse"}
        assert (await gw.personalities.update("terse", max_tokens=20)).max_tokens == 20
        assert (await gw.personalities.delete("terse")).deleted

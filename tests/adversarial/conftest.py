"""The gateway in process (chat, keys, wallet routes) over the run's local DynamoDB, with the
provider simulator answering every provider: attacks are sent as a client would send them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from _bench import bench as bench  # the fixture of attacks 3, 7, 8, 9 (the completion path in process)

from local.stack import free_port, start_simulator

_SIM: list[str] = []
ADMIN = "gw_admin_adversarial_tests_0123456789"


def simulator() -> str:
    if not _SIM:
        _SIM.append(start_simulator("127.0.0.1", free_port())[0])
    return _SIM[0]


class Gateway:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def new_key(self, **limits: Any) -> dict[str, Any]:
        """A key as a stranger makes one (no credential), or with ``limits`` as the admin does."""
        headers = {"x-api-key": ADMIN} if limits else {}
        r = await self.client.post("/v1/keys", json={"label": "attack", **limits}, headers=headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def chat(
        self,
        key: str,
        model: str = "gpt-4o-mini",
        content: Any = "Hello",
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        body = {"model": model, "messages": [{"role": "user", "content": content}], **kw}
        return await self.client.post(
            "/v1/chat/completions", json=body, headers={"x-api-key": key, **(headers or {})}
        )


@pytest.fixture
def gateway_env(store: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    sim = simulator()
    env = {
        "OPENAI_BASE_URL": sim + "/openai/v1",
        "OPENAI_API_KEY": "k",
        "ANTHROPIC_BASE_URL": sim + "/anthropic",
        "ANTHROPIC_API_KEY": "k",
        "GEMINI_BASE_URL": sim + "/gemini",
        "GEMINI_API_KEY": "k",
        "GATEWAY_ADMIN_KEY": ADMIN,
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
async def gateway(gateway_env: dict[str, str]) -> AsyncIterator[Gateway]:
    from gateway.api import chat, keys, wallet
    from gateway.app import create_app
    from gateway.catalog.models import get_catalog
    from gateway.settings import get_settings

    get_settings.cache_clear()
    get_catalog.cache_clear()
    app = create_app(chat.router, keys.router, wallet.router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30
    ) as c:
        yield Gateway(c)
    get_settings.cache_clear()
    get_catalog.cache_clear()

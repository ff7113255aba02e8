"""The gateway in process for attacks: every router in one app over httpx's ASGI transport, the
run's local DynamoDB (``store``) and the provider simulator in a thread; attacks are sent as a
client would send them. ``bench`` (``_bench.py``) drives the completion path itself."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gateway.catalog.models import get_catalog
from gateway.settings import get_settings
from gateway.store import health
from local.stack import free_port, simulated_providers, start_simulator
from tests.adversarial._bench import (
    bench as bench,  # the fixture of attacks 3, 7, 8, 9 (the completion path in process)
)

_SIM: list[str] = []
ADMIN = ADMIN_KEY = "gw_admin_adversarial_0123456789abcdef"


def simulator_url() -> str:
    """One provider simulator for the whole run, served in a thread."""
    if not _SIM:
        _SIM.append(start_simulator("127.0.0.1", free_port())[0])
    return _SIM[0]


@dataclass
class Gateway:
    client: httpx.AsyncClient
    key: str
    """A key the admin made, with no limits (any model on its free requests)."""
    simulator: str

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"x-api-key": key or self.key}

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


def all_routers() -> list[Any]:
    from gateway.api import chat, completions, keys, models, report, semantic_router, wallet

    return [
        chat.router,
        completions.router,
        semantic_router.router,
        semantic_router.profiles_router,
        models.router,
        models.providers_router,
        keys.router,
        wallet.router,
        report.router,
    ]


@pytest.fixture
async def gateway(store: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    from gateway.app import create_app
    from gateway.store import keys

    sim = simulator_url()
    for k in list(os.environ):
        if k.endswith(("_API_KEY", "_BASE_URL")):
            monkeypatch.delenv(k)
    for k, v in simulated_providers(sim).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("GATEWAY_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("HEALTH_FAILURE_THRESHOLD", "1000000")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    get_settings.cache_clear()
    get_catalog.cache_clear()
    health.forget()
    plain, _ = await keys.create("attacker", {}, created_by="admin")
    app = create_app(*all_routers())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as client:
        yield Gateway(client, plain, sim)
    get_settings.cache_clear()
    get_catalog.cache_clear()
    health.forget()

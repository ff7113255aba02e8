"""In-process gateway for attacks: every router in one app over httpx's ASGI transport, the
run's local DynamoDB (``store``) and the provider simulator in a thread, and a fresh API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from gateway.catalog.models import get_catalog
from gateway.settings import get_settings
from gateway.store import health
from local.stack import free_port, simulated_providers, start_simulator

_SIM: list[str] = []


def simulator_url() -> str:
    """One provider simulator for the whole run, served in a thread."""
    if not _SIM:
        _SIM.append(start_simulator("127.0.0.1", free_port())[0])
    return _SIM[0]


@dataclass
class Gateway:
    client: httpx.AsyncClient
    key: str
    simulator: str

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"x-api-key": key or self.key}


def all_routers() -> list:
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
async def gateway(store, monkeypatch) -> AsyncIterator[Gateway]:
    from gateway.app import create_app
    from gateway.store import keys

    sim = simulator_url()
    for k in list(__import__("os").environ):
        if k.endswith(("_API_KEY", "_BASE_URL")):
            monkeypatch.delenv(k)
    for k, v in simulated_providers(sim).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("GATEWAY_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("HEALTH_FAILURE_THRESHOLD", "1000000")
    get_settings.cache_clear()
    get_catalog.cache_clear()
    health.forget()
    plain, _ = await keys.create("attacker", {})
    app = create_app(*all_routers())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as client:
        yield Gateway(client, plain, sim)
    get_settings.cache_clear()
    get_catalog.cache_clear()
    health.forget()


ADMIN_KEY = "gw_admin_adversarial_0123456789abcdef"

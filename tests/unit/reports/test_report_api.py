"""GET /v1/report in process: own report only, admin views, HTML, built on read."""

from __future__ import annotations

import random
import re
import time

import httpx
import pytest
from _ledger import context, outcome, record, seed

from gateway.api.report import router
from gateway.app import create_app
from gateway.identity import apikeys
from gateway.store import keys

ADMIN = "admin-secret-for-tests"


@pytest.fixture
async def api(store, monkeypatch):
    from gateway.settings import get_settings

    monkeypatch.setenv("GATEWAY_ADMIN_KEY", ADMIN)
    get_settings.cache_clear()
    alice, _ = await keys.create("alice")
    bob, _ = await keys.create("bob")
    ids = {"alice": apikeys.parse_id(alice), "bob": apikeys.parse_id(bob)}
    now = time.time()
    await seed([ids["alice"]], now, 9, random.Random(1), spread_s=20 * 3600)
    await seed([ids["bob"]], now, 4, random.Random(2), spread_s=20 * 3600)
    await record(
        context(ids["alice"], "<script>alert(1)</script>", now - 60), outcome("gpt-4o-mini", "openai", 9, 9)
    )
    transport = httpx.ASGITransport(app=create_app(router))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        yield client, {"alice": alice, "bob": bob}, ids


async def test_a_key_reads_its_own_report_only(api):
    client, plain, ids = api
    mine = await client.get("/v1/report", headers={"x-api-key": plain["alice"]})
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-store"
    body = mine.json()
    assert body["keyId"] == ids["alice"] and body["requestCount"] == 10 and body["period"] == "24h"
    bob = (await client.get("/v1/report", headers={"authorization": f"Bearer {plain['bob']}"})).json()
    assert bob["requestCount"] == 4 and bob["keyId"] == ids["bob"]
    same = await client.get(f"/v1/report?key={ids['alice']}", headers={"x-api-key": plain["alice"]})
    assert same.json()["requestCount"] == 10
    for query in (f"?key={ids['bob']}", "?scope=all"):
        denied = await client.get("/v1/report" + query, headers={"x-api-key": plain["alice"]})
        assert denied.status_code == 403, query
        assert denied.json()["error"]["type"] == "permission_error"
    assert (await client.get("/v1/report")).status_code == 401
    assert (await client.get("/v1/report", headers={"x-api-key": "nope"})).status_code == 401


async def test_admin_reads_any_key_and_the_gateway(api):
    client, _, ids = api
    headers = {"x-api-key": ADMIN}
    gateway = (await client.get("/v1/report?scope=all", headers=headers)).json()
    assert gateway["scope"] == "all" and gateway["requestCount"] == 14
    assert (await client.get("/v1/report", headers=headers)).json()["requestCount"] == 14
    bob = (await client.get(f"/v1/report?key={ids['bob']}", headers=headers)).json()
    assert bob["keyId"] == ids["bob"] and bob["requestCount"] == 4
    bad = await client.get(f"/v1/report?key={ids['bob']}&scope=all", headers=headers)
    assert bad.status_code == 400


async def test_html_is_one_self_contained_escaped_page(api):
    client, plain, _ = api
    page = await client.get("/v1/report?format=html", headers={"x-api-key": plain["alice"]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.startswith("<!doctype html>") and "<svg" in html and 'name="viewport"' in html
    assert "<script" not in html  # the seeded app id "<script>alert(1)</script>" is escaped
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    assert "@import" not in html and "url(" not in html
    assert (
        await client.get("/v1/report?format=xml", headers={"x-api-key": plain["alice"]})
    ).status_code == 400

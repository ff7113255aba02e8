"""Key management over HTTP: self-serve creation (throttled per IP), admin routes, revocation."""

from __future__ import annotations

import pytest

from tests.integration._accounts import admin_headers, chat, create_key

pytestmark = pytest.mark.integration


def test_self_serve_key_is_shown_once_works_and_is_throttled_per_ip(stack):
    stack.start_of_minute()  # the per-IP allowance is per fixed minute
    with stack.http() as c:
        created = [c.post("/v1/keys", json={"label": f"agent-{i}"}) for i in range(7)]
        ok = [r for r in created if r.status_code == 201]
        assert len(ok) == 5  # KEY_CREATE_PER_IP_PER_MIN in template.yaml
        throttled = created[5]
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == "key_creation_rate_limited"
        assert int(throttled.headers["retry-after"]) == throttled.json()["error"]["retry_after"]
        body = ok[0].json()
        assert body["key"].startswith("gw_live_" + body["id"] + "_") and body["label"] == "agent-0"
        # The template's self-serve defaults, written on the key itself.
        assert body["limits"]["daily_budget_usd"] == 1.0 and body["limits"]["rpm"] == 60
        assert body["limits"]["free_requests"] == body["free_requests_allowance"] > 0
        assert chat(c, body["key"]).status_code == 200
        # A self-serve caller may not set limits.
        r = c.post("/v1/keys", json={"label": "x", "rpm": 1000})
        assert r.status_code == 403 and r.json()["error"]["code"] == "admin_required"


def test_admin_creates_lists_patches_and_revokes(stack):
    key = create_key(
        stack, "managed", daily_budget_usd=2.5, rpm=100, tpm=100000, free_requests=10, default_cost_weight=0.3
    )
    assert key["limits"] == {
        "daily_budget_usd": 2.5,
        "rpm": 100,
        "tpm": 100000,
        "free_requests": 10,
        "default_cost_weight": 0.3,
    }
    with stack.http() as c:
        assert chat(c, key["key"], max_tokens=5).status_code == 200
        listing = c.get("/v1/keys", headers=admin_headers(stack)).json()
        mine = next(k for k in listing["data"] if k["id"] == key["id"])
        assert mine["label"] == "managed" and mine["prefix"].startswith("gw_live_" + key["id"])
        assert mine["requests_today"] == 1 and mine["spend_today_usd"] > 0 and mine["free_requests_used"] == 1
        text = str(listing)
        assert key["key"] not in text and "key_hash" not in text

        r = c.patch(
            f"/v1/keys/{key['id']}",
            json={"rpm": 1, "daily_budget_usd": None, "label": "renamed"},
            headers=admin_headers(stack),
        )
        assert r.status_code == 200, r.text
        assert r.json()["limits"] == {
            "rpm": 1,
            "tpm": 100000,
            "free_requests": 10,
            "default_cost_weight": 0.3,
        }
        assert r.json()["label"] == "renamed"
        assert (
            c.patch("/v1/keys/nosuchkey0000", json={"rpm": 1}, headers=admin_headers(stack)).status_code
            == 404
        )

        r = c.delete(f"/v1/keys/{key['id']}", headers=admin_headers(stack))
        assert r.status_code == 200 and r.json()["status"] == "revoked"
        # Revocation holds everywhere within KEY_CACHE_TTL_S (5 s): this container forgets at
        # once, and any other container's cached lookup lapses by then.
        assert chat(c, key["key"]).status_code == 401
        stack.advance_clock(5.1)
        assert chat(c, key["key"]).status_code == 401
        assert c.get("/v1/wallet/balance", headers={"x-api-key": key["key"]}).status_code == 401
        assert (
            c.post("/v1/wallet/fund", json={"amount": 1000}, headers={"x-api-key": key["key"]}).status_code
            == 401
        )


def test_admin_routes_refuse_other_keys(stack):
    user = create_key(stack, "not-admin")
    with stack.http() as c:
        h = {"x-api-key": user["key"]}
        assert c.get("/v1/keys", headers=h).status_code == 403
        assert c.patch(f"/v1/keys/{user['id']}", json={"rpm": 5}, headers=h).status_code == 403
        r = c.delete(f"/v1/keys/{user['id']}", headers=h)
        assert r.status_code == 403 and r.json()["error"]["type"] == "permission_error"
        assert c.get("/v1/keys").status_code == 401
        assert c.get("/v1/keys", headers={"x-api-key": "gw_live_nope"}).status_code == 401
        # The admin key is for admin routes, not for spending.
        assert chat(c, stack.admin_key).status_code == 401
        assert chat(c, user["key"]).status_code == 200  # the key itself is unharmed

"""Attack 5 of issue 10: unbounded numbers. ``max_tokens: 1e30`` was a 500; every numeric
request field is bounded, and the output limits by the target model's catalog limit: a 400
naming the field, never a 500."""

from __future__ import annotations

import pytest

from gateway.catalog.models import get_catalog

MSG = [{"role": "user", "content": "Hi"}]


def _error(resp) -> dict:
    body = resp.json()
    assert set(body) == {"error"}, body
    return body["error"]


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
@pytest.mark.parametrize("value", ["1e30", "1e300", "99999999999999999999999999999999999999999"])
async def test_huge_output_limit_is_a_400_naming_the_field(gateway, field, value):
    body = (
        f'{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "Hi"}}], "{field}": {value}}}'
    )
    resp = await gateway.client.post("/v1/chat/completions", content=body, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == field


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
async def test_output_limit_above_the_models_catalog_limit_is_a_400(gateway, field):
    limit = get_catalog().model("gpt-4o-mini").max_output_tokens
    over = {"model": "gpt-4o-mini", "messages": MSG, field: limit + 1}
    resp = await gateway.client.post("/v1/chat/completions", json=over, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    err = _error(resp)
    assert err["param"] == field and str(limit) in err["message"]
    at = {"model": "gpt-4o-mini", "messages": MSG, field: limit}
    ok = await gateway.client.post("/v1/chat/completions", json=at, headers=gateway.auth())
    assert ok.status_code == 200, ok.text


async def test_a_fallback_that_cannot_take_the_limit_is_neither_tried_nor_held_for(gateway):
    """The first target's refusal is the client's (above); a fallback whose model has a smaller
    ``max_output_tokens`` is dropped from the plan, so the hold never prices it."""
    from gateway.completion.plan import plan
    from gateway.context import Principal, RequestContext, current_context
    from gateway.schemas import ChatCompletionRequest

    catalog = get_catalog()
    big, small = "gpt-4.1-mini", "gpt-3.5-turbo"
    limit = catalog.model(small).max_output_tokens
    assert catalog.model(big).max_output_tokens > limit
    ctx = RequestContext(request_id="fb1", principal=Principal(id="k-fb", managed=True))
    current_context.set(ctx)
    request = ChatCompletionRequest.model_validate(
        {"model": big, "messages": MSG, "max_tokens": limit + 1, "fallbacks": [small]}
    )
    planned = await plan(request, ctx)
    assert {t.model.id for t in planned.targets} == {big}
    at_limit = request.model_copy(update={"max_tokens": limit})
    planned = await plan(
        at_limit, RequestContext(request_id="fb2", principal=Principal(id="k-fb", managed=True))
    )
    assert {t.model.id for t in planned.targets} == {big, small}


async def test_legacy_completion_output_limit_is_bounded(gateway):
    body = '{"model": "gpt-4o-mini", "prompt": "Hi", "max_tokens": 1e30}'
    resp = await gateway.client.post("/v1/completions", content=body, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == "max_tokens"


async def test_router_output_limit_is_bounded(gateway):
    body = '{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1e30, "execute": true}'
    resp = await gateway.client.post("/v1/router", content=body, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == "max_tokens"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", "1e30"),
        ("seed", "-99999999999999999999999999"),
        ("n", "1e30"),
        ("top_logprobs", "1e30"),
        ("temperature", "1e308"),
        ("temperature", "NaN"),
        ("top_p", "Infinity"),
        ("presence_penalty", "-Infinity"),
        ("frequency_penalty", "1e400"),
        ("logit_bias", '{"50256": 1e30}'),
        ("logit_bias", '{"50256": NaN}'),
    ],
)
async def test_every_numeric_chat_field_is_bounded(gateway, field, value):
    body = (
        f'{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "Hi"}}], "{field}": {value}}}'
    )
    resp = await gateway.client.post("/v1/chat/completions", content=body, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"].startswith(field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("daily_budget_usd", "1e30"),
        ("daily_budget_usd", "NaN"),
        ("daily_budget_usd", "Infinity"),
        ("rpm", "1e30"),
        ("tpm", "1e30"),
        ("free_requests", "1e30"),
        ("default_cost_weight", "1e400"),
        ("default_cost_weight", "NaN"),
    ],
)
async def test_key_limits_are_bounded(gateway, field, value):
    from tests.adversarial.conftest import ADMIN_KEY

    resp = await gateway.client.post(
        "/v1/keys", content=f'{{"{field}": {value}}}', headers={"x-api-key": ADMIN_KEY}
    )
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == field


@pytest.mark.parametrize("value", ["1e30", "NaN", "1.5"])
async def test_wallet_amount_is_bounded(gateway, value):
    resp = await gateway.client.post(
        "/v1/wallet/fund", content=f'{{"amount": {value}}}', headers=gateway.auth()
    )
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == "amount"


@pytest.mark.parametrize("value", ["1e30", "99999999999999999999999", "-5", "x"])
async def test_list_keys_limit_is_bounded(gateway, value):
    from tests.adversarial.conftest import ADMIN_KEY

    resp = await gateway.client.get("/v1/keys", params={"limit": value}, headers={"x-api-key": ADMIN_KEY})
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == "limit"


async def test_router_cost_weight_is_bounded(gateway):
    body = '{"messages": [{"role": "user", "content": "Hi"}], "execute": false, "cost_weight": 1e300}'
    resp = await gateway.client.post("/v1/router", content=body, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == "cost_weight"


# Found by schemathesis (tests/integration/test_contract.py): numbers DynamoDB cannot store.
@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("daily_budget_usd", "1.1125369292536007e-308", 0.0),
        ("daily_budget_usd", "0.1234567891234", 0.123456789),
        ("default_cost_weight", "3.2056861310290612e-260", 0.0),
    ],
)
async def test_tiny_limits_are_kept_to_what_the_store_counts(gateway, field, value, stored):
    from tests.adversarial.conftest import ADMIN_KEY

    resp = await gateway.client.post(
        "/v1/keys", content=f'{{"{field}": {value}}}', headers={"x-api-key": ADMIN_KEY}
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["limits"].get(field, 0.0) == stored


@pytest.mark.parametrize(
    "cursor", ["0" * 300, "bm90IGpzb24", "eyJhIjogMX0", "MQ", "W10"]
)  # not base64, not JSON, {"a": 1}, 1, []
async def test_a_forged_cursor_is_a_400_naming_it(gateway, cursor):
    from tests.adversarial.conftest import ADMIN_KEY

    resp = await gateway.client.get("/v1/keys", params={"cursor": cursor}, headers={"x-api-key": ADMIN_KEY})
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == "cursor"


async def test_a_wrong_method_is_405_with_allow(gateway):
    resp = await gateway.client.put("/v1/keys", headers={"x-api-key": gateway.key})
    assert resp.status_code == 405
    assert resp.headers.get("allow")  # RFC 9110; Starlette names the methods of the first matching route


# Found by schemathesis: booleans read as numbers, and a legacy stop list chat refuses.
@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        (
            "/v1/chat/completions",
            {"model": "gpt-4o-mini", "messages": MSG, "temperature": False},
            "temperature",
        ),
        ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": MSG, "max_tokens": True}, "max_tokens"),
        ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": MSG, "n": True}, "n"),
        ("/v1/router", {"messages": MSG, "execute": False, "temperature": False}, "temperature"),
        ("/v1/router", {"messages": MSG, "execute": False, "cost_weight": True}, "cost_weight"),
        ("/v1/wallet/fund", {"amount": True}, "amount"),
        ("/v1/completions", {"model": "gpt-4o-mini", "prompt": "Hi", "stop": ["a"] * 5}, "stop"),
    ],
)
async def test_booleans_are_not_numbers_and_legacy_stop_is_bounded(gateway, path, body, param):
    resp = await gateway.client.post(path, json=body, headers=gateway.auth())
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == param


@pytest.mark.parametrize("field", ["default_cost_weight", "rpm", "daily_budget_usd"])
async def test_key_limits_are_not_booleans(gateway, field):
    from tests.adversarial.conftest import ADMIN_KEY

    resp = await gateway.client.post("/v1/keys", json={field: True}, headers={"x-api-key": ADMIN_KEY})
    assert resp.status_code == 400, resp.text
    assert _error(resp)["param"] == field

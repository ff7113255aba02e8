"""The SDK's pydantic models against the gateway's own schemas (``gateway.schemas``): the same
field names, the same JSON types, the same required fields. Routes whose responses the
gateway builds without a schema (providers, router, report) are checked against the live
stack in test_python_sdk.py; here, their SDK models are checked to refuse nothing the stack
sends (every field the stack returns is a declared field, none left to ``extra``)."""

from __future__ import annotations

from typing import Any

import pytest
from llm_gateway import Gateway, types
from pydantic import BaseModel

from gateway.schemas import keys as gw_keys
from gateway.schemas import wallet as gw_wallet


def _fields(model: type[BaseModel]) -> dict[str, tuple[Any, bool]]:
    """Each property's JSON type (``anyOf`` flattened to a set) and whether it is required."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    out = {}
    for name, prop in schema["properties"].items():
        kinds = {p.get("type") for p in prop.get("anyOf", [prop])}
        out[name] = (frozenset(kinds), name in required)
    return out


@pytest.mark.parametrize(
    ("sdk", "gateway"),
    [
        (types.Key, gw_keys.KeyView),
        (types.KeyCreated, gw_keys.KeyCreated),
        (types.Invoice, gw_wallet.InvoiceView),
        (types.Balance, gw_wallet.BalanceView),
    ],
)
def test_sdk_models_match_the_gateway_schemas(sdk, gateway):
    assert _fields(sdk) == _fields(gateway)


def test_personality_fields_match_the_gateway_catalog_model():
    """The endpoint is being built apart; its stored shape (``gateway.catalog.personalities``)
    is here already: every field it has, the SDK's model has, with a JSON type it accepts."""
    from gateway.catalog import personalities

    ours, theirs = _fields(types.Personality), _fields(personalities.Personality)
    for name, (kinds, _required) in theirs.items():
        assert name in ours, name
        assert kinds - {"null"} <= ours[name][0] | {None}, name


def _undeclared(model: BaseModel) -> list[str]:
    """Fields the response had that the SDK model does not declare, at any depth."""
    out = [f"{type(model).__name__}.{k}" for k in model.model_extra or {}]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = (
            value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        )
        out += [x for item in items if isinstance(item, BaseModel) for x in _undeclared(item)]
    return out


@pytest.mark.integration
def test_schemaless_routes_fill_the_sdk_models_exactly(stack):
    gw = Gateway(api_key=stack.api_key, base_url=stack.base_url, admin_key=stack.admin_key)
    gw.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], max_tokens=5
    )
    answers = [
        gw.providers.list(model="gpt-4o-mini"),
        gw.router.route([{"role": "user", "content": "Hi"}]),
        gw.router.profiles(),
        gw.report(),
        gw.keys.list(),
    ]
    assert [x for a in answers for x in _undeclared(a)] == []

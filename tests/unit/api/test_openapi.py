"""The OpenAPI document: generated from the schemas, valid, complete, served and committed."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from gateway.api.openapi import OPERATIONS, document, render
from local.template import load

ROOT = Path(__file__).resolve().parents[3]


def test_the_document_is_valid_openapi_3_1():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_the_committed_document_is_the_generated_one():
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert committed == render(), "docs/openapi.json is stale: run `make openapi` and commit it"


def _template_routes() -> set[tuple[str, str]]:
    return {(r.method.lower(), r.path.replace("+}", "}")) for f in load().functions() for r in f.routes}


def test_every_route_of_the_template_is_documented_and_nothing_else():
    assert {(op.method, op.path) for op in OPERATIONS} == _template_routes()


def test_every_operation_documents_its_errors_with_the_envelope():
    doc = document()
    for op in OPERATIONS:
        responses = doc["paths"][op.path][op.method]["responses"]
        if op.auth != "none":
            assert {"401", "503"} <= set(responses), op.operation_id
        if op.body is not None:
            assert {"400", "413"} <= set(responses), op.operation_id
    envelope = doc["components"]["responses"]["Error400"]["content"]["application/json"]["schema"]
    assert envelope == {"$ref": "#/components/schemas/ErrorEnvelope"}


def test_numeric_bounds_reach_the_document():
    schemas = document()["components"]["schemas"]
    chat = schemas["ChatCompletionRequest"]["properties"]
    limit = next(b for b in chat["max_tokens"]["anyOf"] if b.get("type") == "integer")
    assert limit["minimum"] == 1 and limit["maximum"] == 1_000_000
    assert schemas["FundRequest"]["properties"]["amount"]["maximum"] == 100_000_000
    # Every bound is JSON Schema's (a validator placed before Field once leaked pydantic's "ge").
    text = json.dumps(schemas)
    assert '"ge"' not in text and '"le"' not in text


def test_streaming_operations_document_server_sent_events():
    doc = document()
    for path in ("/v1/chat/completions", "/v1/completions", "/v1/router"):
        content = doc["paths"][path]["post"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/event-stream"}


@pytest.mark.parametrize("path", ["/v1/openapi.json"])
async def test_served_without_a_credential(path):
    from gateway.api.models import router
    from gateway.app import create_app

    transport = httpx.ASGITransport(app=create_app(router))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get(path)
    assert resp.status_code == 200
    assert resp.json() == document()

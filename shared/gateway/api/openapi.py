"""The API's OpenAPI 3.1 document, generated from the pydantic shapes in ``schemas/``.

Each operation below names its request body, query and response models and the statuses it
can answer with; their JSON schemas come from pydantic (``models_json_schema``, references
into ``components/schemas``). Served at ``GET /v1/openapi.json``, written to
``docs/openapi.json`` by ``make openapi`` (a unit test fails when the two differ), checked by
``openapi-spec-validator`` and fuzzed by schemathesis against the local stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from gateway.catalog.personalities import Personality
from gateway.schemas import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from gateway.schemas.audio import TranscriptionRequest
from gateway.schemas.completions import Completion, CompletionRequest
from gateway.schemas.embeddings import EmbeddingList, EmbeddingRequest
from gateway.schemas.errors import ErrorEnvelope
from gateway.schemas.images import ImageRequest, ImagesResponse
from gateway.schemas.keys import (
    KeyCreated,
    KeyCreateRequest,
    KeyDeleted,
    KeyList,
    KeyListQuery,
    KeyPatchRequest,
    KeyView,
)
from gateway.schemas.models import ModelList, ModelView, ProvidersQuery, ProvidersView
from gateway.schemas.personalities import (
    PersonalityCreate,
    PersonalityDeleted,
    PersonalityList,
    PersonalityPatch,
)
from gateway.schemas.report import ReportQuery
from gateway.schemas.responses import (
    DeletedResponse,
    ResponseCreateRequest,
    ResponseObject,
    ResponseStreamEvent,
)
from gateway.schemas.router import RoutedCompletion, RouterDecision, RouterProfiles, RouterRequest
from gateway.schemas.wallet import BalanceView, FundRequest, InvoiceView, StatusQuery

Auth = Literal["key", "admin", "optional", "key_or_admin", "none"]

_REF = "#/components/schemas/{model}"
_ERRORS = {
    400: "Invalid request: malformed JSON, a schema violation or a value out of bounds (`param` names the field).",
    401: "Missing, malformed, unknown or revoked credential.",
    402: "The wallet cannot pay for the request (`insufficient_balance`).",
    403: "The credential may not do this (`admin_required`, another principal's data).",
    404: "Unknown model, key or invoice.",
    413: "The request body is larger than the limit (4 MiB by default).",
    429: "A rate limit, budget or key-creation limit (`retry_after` says when to retry).",
    502: "Every provider failed (`records` holds one entry per attempt).",
    503: "The store is unreachable or throttling; retry.",
}
_AUTH_ERRORS = (401, 503)
_BODY_ERRORS = (400, 413)
_COMPLETION_ERRORS = (400, 401, 402, 403, 404, 413, 429, 502, 503)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    auth: Auth
    ok: type[BaseModel] | None
    """The 2xx body (None: free-form JSON)."""
    errors: tuple[int, ...]
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_params: tuple[tuple[str, str], ...] = ()
    """(name, description) of each path parameter."""
    also: type[BaseModel] | None = None
    """Another 2xx body the operation may answer with instead (``anyOf``)."""
    stream: type[BaseModel] | None = None
    """The chunk of a ``stream: true`` answer (text/event-stream)."""
    html: bool = False
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    form: type[BaseModel] | None = None
    """A ``multipart/form-data`` body: these fields and a binary ``file``."""
    text: bool = False
    """The 2xx may also be plain text (a transcription's text, srt and vtt formats)."""


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/v1/chat/completions",
        "createChatCompletion",
        "An OpenAI chat completion, JSON or SSE (`stream: true`), with usage and cost.",
        "completions",
        "key",
        ChatCompletion,
        _COMPLETION_ERRORS,
        body=ChatCompletionRequest,
        stream=ChatCompletionChunk,
    ),
    Operation(
        "post",
        "/v1/responses",
        "createResponse",
        "An OpenAI response, JSON or its semantic SSE events (`stream: true`), served through the chat path.",
        "completions",
        "key",
        ResponseObject,
        _COMPLETION_ERRORS,
        body=ResponseCreateRequest,
        stream=ResponseStreamEvent,
    ),
    Operation(
        "get",
        "/v1/responses/{response_id}",
        "retrieveResponse",
        "A response stored by this key (`store`).",
        "completions",
        "key",
        ResponseObject,
        (*_AUTH_ERRORS, 404),
        path_params=(("response_id", "The response's id (`resp_...`)."),),
    ),
    Operation(
        "delete",
        "/v1/responses/{response_id}",
        "deleteResponse",
        "Delete a response stored by this key.",
        "completions",
        "key",
        DeletedResponse,
        (*_AUTH_ERRORS, 404),
        path_params=(("response_id", "The response's id (`resp_...`)."),),
    ),
    Operation(
        "post",
        "/v1/completions",
        "createCompletion",
        "The legacy text completion, served through the chat path.",
        "completions",
        "key",
        Completion,
        _COMPLETION_ERRORS,
        body=CompletionRequest,
        stream=ChatCompletionChunk,
    ),
    Operation(
        "post",
        "/v1/router",
        "route",
        "Semantic routing: the decision (`execute: false`) or the routed completion.",
        "router",
        "key",
        RoutedCompletion,
        _COMPLETION_ERRORS,
        body=RouterRequest,
        stream=ChatCompletionChunk,
        also=RouterDecision,
    ),
    Operation(
        "get",
        "/v1/router/profiles",
        "listRouterProfiles",
        "The router's model profiles.",
        "router",
        "key",
        RouterProfiles,
        _AUTH_ERRORS,
    ),
    Operation(
        "get",
        "/v1/models",
        "listModels",
        "Every catalog model, with pricing, limits and providers.",
        "models",
        "key",
        ModelList,
        _AUTH_ERRORS,
        links={
            "RetrieveFirstModel": {
                "operationId": "retrieveModel",
                "parameters": {"path.model": "$response.body#/data/0/id"},
            }
        },
    ),
    Operation(
        "get",
        "/v1/models/{model}",
        "retrieveModel",
        "One catalog model (an id, alias or `provider/model`).",
        "models",
        "key",
        ModelView,
        (*_AUTH_ERRORS, 404),
        path_params=(("model", "A catalog model id or alias, optionally `provider/model`."),),
    ),
    Operation(
        "get",
        "/v1/providers",
        "listProviders",
        "The providers serving a model: primary, then backups.",
        "models",
        "key",
        ProvidersView,
        (400, *_AUTH_ERRORS, 404),
        query=ProvidersQuery,
    ),
    Operation(
        "get",
        "/v1/openapi.json",
        "getOpenApi",
        "This document.",
        "meta",
        "none",
        None,
        (),
    ),
    Operation(
        "post",
        "/v1/keys",
        "createKey",
        "A new API key, shown once. Limits need the admin key; self-serve creation is throttled per address.",
        "keys",
        "optional",
        KeyCreated,
        (*_BODY_ERRORS, 401, 403, 429, 503),
        status=201,
        body=KeyCreateRequest,
        links={
            "PatchCreatedKey": {
                "operationId": "patchKey",
                "parameters": {"path.id": "$response.body#/id"},
            },
            "RevokeCreatedKey": {
                "operationId": "revokeKey",
                "parameters": {"path.id": "$response.body#/id"},
            },
            "UseCreatedKey": {
                "operationId": "getBalance",
                "parameters": {"header.x-api-key": "$response.body#/key"},
            },
        },
    ),
    Operation(
        "get",
        "/v1/keys",
        "listKeys",
        "Every key (admin only), a page at a time.",
        "keys",
        "admin",
        KeyList,
        (400, *_AUTH_ERRORS, 403),
        query=KeyListQuery,
    ),
    Operation(
        "patch",
        "/v1/keys/{id}",
        "patchKey",
        "Change a key's label, limits or status (admin only).",
        "keys",
        "admin",
        KeyView,
        (*_BODY_ERRORS, *_AUTH_ERRORS, 403, 404),
        body=KeyPatchRequest,
        path_params=(("id", "A key id, or `jwt:<sub>` for a JWT subject."),),
    ),
    Operation(
        "delete",
        "/v1/keys/{id}",
        "revokeKey",
        "Revoke a key (admin only).",
        "keys",
        "admin",
        KeyDeleted,
        (*_AUTH_ERRORS, 403, 404),
        path_params=(("id", "A key id, or `jwt:<sub>` for a JWT subject."),),
    ),
    Operation(
        "post",
        "/v1/wallet/fund",
        "fundWallet",
        "A Lightning invoice that credits the caller's wallet.",
        "wallet",
        "key",
        InvoiceView,
        (*_BODY_ERRORS, *_AUTH_ERRORS, 502),
        status=201,
        body=FundRequest,
        links={
            "PollInvoice": {
                "operationId": "getInvoiceStatus",
                "parameters": {"query.invoiceId": "$response.body#/invoiceId"},
            }
        },
    ),
    Operation(
        "get",
        "/v1/wallet/status",
        "getInvoiceStatus",
        "An invoice's status; credits it once when paid.",
        "wallet",
        "key",
        InvoiceView,
        (400, *_AUTH_ERRORS, 404, 502),
        query=StatusQuery,
    ),
    Operation(
        "get",
        "/v1/wallet/balance",
        "getBalance",
        "The caller's balance, holds and free tier.",
        "wallet",
        "key",
        BalanceView,
        _AUTH_ERRORS,
    ),
    Operation(
        "get",
        "/v1/personalities",
        "listPersonalities",
        "Every personality: the shipped presets and the admin's (the PurAI seed).",
        "personalities",
        "key",
        PersonalityList,
        _AUTH_ERRORS,
    ),
    Operation(
        "post",
        "/v1/personalities",
        "createPersonality",
        "Create or replace a personality (admin only; `id` in the body).",
        "personalities",
        "admin",
        Personality,
        (*_BODY_ERRORS, *_AUTH_ERRORS, 403),
        status=201,
        body=PersonalityCreate,
    ),
    Operation(
        "post",
        "/v1/personalities/{personality_id}",
        "putPersonality",
        "Create or replace the personality `personality_id` (admin only).",
        "personalities",
        "admin",
        Personality,
        (*_BODY_ERRORS, *_AUTH_ERRORS, 403),
        status=201,
        body=PersonalityCreate,
        path_params=(("personality_id", "A personality's id."),),
    ),
    Operation(
        "patch",
        "/v1/personalities/{personality_id}",
        "patchPersonality",
        "Change a personality's fields (admin only; a shipped one becomes the gateway's own).",
        "personalities",
        "admin",
        Personality,
        (*_BODY_ERRORS, *_AUTH_ERRORS, 403, 404),
        body=PersonalityPatch,
        path_params=(("personality_id", "A personality's id."),),
    ),
    Operation(
        "delete",
        "/v1/personalities/{personality_id}",
        "deletePersonality",
        "Remove the gateway's own personality (admin only; a shipped one with the id returns).",
        "personalities",
        "admin",
        PersonalityDeleted,
        (*_AUTH_ERRORS, 403, 404),
        path_params=(("personality_id", "A personality's id."),),
    ),
    Operation(
        "post",
        "/v1/embeddings",
        "createEmbeddings",
        "Embeddings of a string, strings or token arrays, costed in `usage`.",
        "embeddings",
        "key",
        EmbeddingList,
        _COMPLETION_ERRORS,
        body=EmbeddingRequest,
    ),
    Operation(
        "post",
        "/v1/images/generations",
        "createImages",
        "Images from a prompt, priced per image in `usage`.",
        "images",
        "key",
        ImagesResponse,
        _COMPLETION_ERRORS,
        body=ImageRequest,
    ),
    Operation(
        "post",
        "/v1/audio/transcriptions",
        "createTranscription",
        "A transcription of an uploaded audio file (at most 4 MiB), billed per minute.",
        "audio",
        "key",
        None,
        _COMPLETION_ERRORS,
        form=TranscriptionRequest,
        text=True,
    ),
    Operation(
        "get",
        "/public/models",
        "listPublicModels",
        "Every model with its capabilities and prices, without a key (the Lunos seed's shape).",
        "models",
        "none",
        None,
        (),
    ),
    Operation(
        "get",
        "/v1/report",
        "getReport",
        "The caller's 24 h spend report (admins: any key's, or the gateway's).",
        "report",
        "key_or_admin",
        None,
        (400, *_AUTH_ERRORS, 403),
        query=ReportQuery,
        html=True,
    ),
)

_SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    "key": [{"ApiKey": []}, {"Bearer": []}],
    "admin": [{"ApiKey": []}, {"Bearer": []}],
    "key_or_admin": [{"ApiKey": []}, {"Bearer": []}],
    "optional": [{}, {"ApiKey": []}, {"Bearer": []}],
    "none": [],
}


def _models() -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    out: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorEnvelope, "serialization")]
    for op in OPERATIONS:
        out += [(op.body, "validation")] if op.body is not None else []
        out += [(m, "serialization") for m in (op.ok, op.also, op.stream) if m is not None]
    return list(dict.fromkeys(out))


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A query model's fields as OpenAPI parameters (its schema inlined: one level, no refs)."""
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    params = []
    for name, info in model.model_fields.items():
        prop = _not_null(dict(props[name]))
        description = prop.pop("description", None) or info.description
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query value is a string or absent, never null: drop an optional field's null branch."""
    branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) == 1:
        prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **branches[0]}
    if prop.get("default", 0) is None:
        del prop["default"]
    return prop


def _json(ref: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": ref}}


def _operation(op: Operation, refs: Mapping[Any, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "security": _SECURITY[op.auth],
    }
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "description": desc, "schema": {"type": "string"}}
        for name, desc in op.path_params
    ]
    if op.query is not None:
        params += _query_parameters(op.query, op.query.model_json_schema(mode="validation"))
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": _json(refs[(op.body, "validation")])}
    if op.form is not None:
        form = op.form.model_json_schema(mode="validation")
        form.pop("title", None)
        form["properties"] = {
            **form.get("properties", {}),
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
        }
        form["required"] = [*form.get("required", []), "file"]
        out["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": form}}}
    ok_schema = refs[(op.ok, "serialization")] if op.ok is not None else {"type": "object"}
    if op.also is not None:
        ok_schema = {"anyOf": [ok_schema, refs[(op.also, "serialization")]]}
    content = _json(ok_schema)
    if op.stream is not None:
        content["text/event-stream"] = {
            "schema": {
                "type": "object",
                "description": "With `stream: true`, each server-sent event: one `data: <chunk>` per chunk "
                "(`x-chunk-schema`), the last carrying usage, an error envelope if the provider breaks "
                "mid-stream, then `data: [DONE]`.",
                "required": ["data"],
                "properties": {"data": {"type": "string"}, "event": {"type": "string"}},
            },
            "x-chunk-schema": refs[(op.stream, "serialization")],
        }
    if op.html:
        content["text/html"] = {"schema": {"type": "string"}}
    if op.text:
        content["text/plain"] = {"schema": {"type": "string"}}
    ok: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created", "content": content}
    if op.links:
        ok["links"] = op.links
    responses: dict[str, Any] = {str(op.status): ok}
    for status in sorted(op.errors):
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    out["responses"] = responses
    return out


@cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (built once per container)."""
    from gateway import __name__ as package

    refs, defs = models_json_schema(_models(), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    error_ref = refs[(ErrorEnvelope, "serialization")]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LLM Gateway",
            "version": "1",
            "summary": "An OpenAI-compatible LLM inference gateway: every request priced, limited and billed.",
            "description": f"Generated from the pydantic schemas of `{package}.schemas` by "
            "`gateway.api.openapi`; do not edit by hand (`make openapi`).",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": t} for t in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "responses": {
                f"Error{status}": {"description": text, "content": _json(error_ref)}
                for status, text in _ERRORS.items()
            },
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "Bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key (`gw_live_…`) or a JWT whose `sub` is the principal.",
                },
            },
        },
    }


def render() -> str:
    """The document as docs/openapi.json holds it."""
    import json

    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


__all__ = ["OPERATIONS", "Operation", "document", "render"]

if __name__ == "__main__":
    import sys

    sys.stdout.write(render())

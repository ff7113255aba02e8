"""How the local stack and ``invoke`` run a function the way Lambda would: load its module,
build the API Gateway REST proxy event, call the handler (or the ASGI app, for functions
behind the Web Adapter), and read the response back."""

from __future__ import annotations

import base64
import importlib.util
import sys
import time
import uuid
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from local.template import ROOT, Function

_modules: dict[str, ModuleType] = {}


def ensure_path() -> None:
    shared = str(ROOT / "shared")
    if shared not in sys.path:
        sys.path.insert(0, shared)


def load_module(fn: Function) -> ModuleType:
    """Import ``<CodeUri>/app.py`` under a name of its own (every function's file is app.py)."""
    found = _modules.get(fn.logical_id)
    if found is None:
        ensure_path()
        module_file = "app" if fn.streaming else fn.handler.rsplit(".", 1)[0]
        path = fn.code_uri / f"{module_file}.py"
        spec = importlib.util.spec_from_file_location(f"fn_{fn.logical_id}", path)
        assert spec and spec.loader
        found = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(found)
        _modules[fn.logical_id] = found
    return found


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = ""
    timeout_s: float = 30.0
    started: float = 0.0

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.started = time.monotonic()
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_s - (time.monotonic() - self.started)) * 1000)


def rest_event(
    *,
    method: str,
    path: str,
    resource: str,
    path_params: dict[str, str] | None,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str = "127.0.0.1",
    stage: str = "v1",
) -> dict[str, Any]:
    """An API Gateway REST API (v1) Lambda proxy event, as API Gateway sends it."""
    single_h: dict[str, str] = {}
    multi_h: dict[str, list[str]] = {}
    for k, v in headers:
        single_h[k] = v
        multi_h.setdefault(k, []).append(v)
    single_q: dict[str, str] = {}
    multi_q: dict[str, list[str]] = {}
    for k, v in query:
        single_q[k] = v
        multi_q.setdefault(k, []).append(v)
    try:
        text, b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, b64 = base64.b64encode(body).decode(), True
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_h or None,
        "multiValueHeaders": multi_h or None,
        "queryStringParameters": single_q or None,
        "multiValueQueryStringParameters": multi_q or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": single_h.get("user-agent")},
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "127.0.0.1",
        },
        "body": text if body else None,
        "isBase64Encoded": b64,
    }


def query_string(event: dict[str, Any]) -> str:
    pairs = [(k, v) for k, vs in (event.get("multiValueQueryStringParameters") or {}).items() for v in vs]
    return urlencode(pairs)


def event_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()

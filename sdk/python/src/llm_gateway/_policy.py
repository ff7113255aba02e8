"""What to do with one answer from the gateway: the SDK's retry and fallback rules, pure.

- 429 and 503 are retried after their ``Retry-After`` (``retry-after-ms`` first, then the
  body's ``error.retry_after``, else a short backoff), at most ``max_retries`` times and only
  when the wait is at most ``max_retry_wait`` seconds: a budget that resets at midnight is
  returned at once. ``budget_exceeded`` is never retried.
- A connection error or a 5xx means this base URL cannot serve the request now: the next
  base URL is tried. A 5xx from every base URL, or a model error (404 ``model_not_found``,
  another 4xx naming ``model``), moves on to the next fallback model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx2

NO_RETRY_CODES = frozenset({"budget_exceeded"})
BACKOFF_S = 0.5


@dataclass(frozen=True)
class Policy:
    base_urls: tuple[str, ...]
    """The primary base URL first, each ending in ``/``."""
    models: tuple[str, ...] = ()
    """Fallback models, in order, after the request's own."""
    max_retries: int = 2
    max_retry_wait: float = 30.0


def error_of(response: httpx2.Response) -> dict[str, Any]:
    """The OpenAI error envelope's ``error`` object (empty when the body is not one)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _retry_after(response: httpx2.Response, error: dict[str, Any]) -> float | None:
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(header)
        if value is not None:
            try:
                return float(value) / scale
            except ValueError:
                continue
    value = error.get("retry_after")
    return float(value) if isinstance(value, int | float) else None


def retry_wait(policy: Policy, response: httpx2.Response, retries_done: int) -> float | None:
    """Seconds to wait before sending again, or None to keep this answer."""
    if response.status_code not in (429, 503) or retries_done >= policy.max_retries:
        return None
    error = error_of(response)
    if error.get("code") in NO_RETRY_CODES:
        return None
    wait = _retry_after(response, error)
    if wait is None:
        wait = BACKOFF_S * 2**retries_done
    return max(wait, 0.0) if wait <= policy.max_retry_wait else None


def is_model_error(response: httpx2.Response) -> bool:
    """The gateway is up but cannot serve this model: another model may do."""
    if response.status_code in (401, 402, 403, 413, 429) or not 400 <= response.status_code < 500:
        return False
    error = error_of(response)
    return error.get("code") == "model_not_found" or error.get("param") == "model"


def model_of(request: httpx2.Request) -> str | None:
    """The ``model`` of a JSON request body, if it has one (only such requests change model)."""
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        body = json.loads(request.content)
    except ValueError:
        return None
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


def with_model(request: httpx2.Request, model: str) -> httpx2.Request:
    body = json.loads(request.content)
    body["model"] = model
    return _rebuild(request, request.url, json.dumps(body).encode())


def rebase(request: httpx2.Request, primary: str, base_url: str) -> httpx2.Request:
    """The same request sent to another base URL (the path after the base URL kept)."""
    url = str(request.url)
    if base_url == primary or not url.startswith(primary):
        return request
    return _rebuild(request, httpx2.URL(base_url + url[len(primary) :]), request.content)


def _rebuild(request: httpx2.Request, url: httpx2.URL, content: bytes) -> httpx2.Request:
    headers = [
        (k, v) for k, v in request.headers.multi_items() if k.lower() not in ("host", "content-length")
    ]
    return httpx2.Request(
        request.method, url, headers=headers, content=content, extensions=request.extensions
    )

"""The error envelope every route answers with on failure (OpenAI's shape, rendered by app.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class UpstreamRecord(BaseModel):
    """One provider attempt of a failed request."""

    model_config = ConfigDict(extra="allow")

    provider: str | None
    response: dict[str, Any]


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    message: str
    type: str
    param: str | None
    """The request field at fault (``max_tokens``, ``messages[0].content``), where there is one."""
    code: str | None
    provider: str | None = None
    """502: the provider that failed."""
    upstream_status: int | None = None
    """502: the provider's HTTP status."""
    records: list[UpstreamRecord] | None = None
    """502 ``all_providers_failed``: one record per attempt."""
    retry_after: int | None = None
    """429: seconds until the window turns."""


class ErrorEnvelope(BaseModel):
    error: ErrorBody

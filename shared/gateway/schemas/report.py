"""GET /v1/report query parameters (the report itself is the builder's JSON, see reports/builder.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["json", "html"] = "json"
    key: str | None = Field(default=None, max_length=128)
    """Admin only: the key whose report to read."""
    scope: Literal["", "key", "all"] | None = None
    """Admin only: ``all`` for the gateway's report (the admin's default)."""
    link: bool = False
    """Answer a short-lived signed URL of the HTML report instead (a browser cannot send a key)."""
    token: str | None = Field(default=None, max_length=2048)
    """A signed link's token: opens the report it names without a key."""


class ReportLink(BaseModel):
    """A link to the HTML report that opens without a key until ``expires_at``."""

    url: str
    expires_at: str
    object: Literal["report_link"] = "report_link"

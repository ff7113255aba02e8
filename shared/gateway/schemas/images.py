"""``POST /v1/images/generations``: OpenAI's request and response, with the gateway's cost fields.

Images come back as ``b64_json`` (every provider) or ``url`` (only where the provider gives
one). The buffered function's answer must stay under Lambda's 6 MB response limit:
see ``api/images.py`` and docs/PROVIDERS.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class ImageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=32000)
    model: str = "dall-e-3"
    n: int = Field(default=1, ge=1, le=10)
    size: str | None = None
    """``WIDTHxHEIGHT`` among the model's priced sizes; default the model's."""
    quality: str | None = None
    """Among the model's priced qualities (``standard``/``hd``, ``low``/``medium``/``high``, ``premium``)."""
    response_format: Literal["b64_json", "url"] | None = None
    style: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = Field(default=None, ge=0, le=100)
    moderation: str | None = None
    user: str | None = None
    provider: str | None = None
    fallbacks: list[str] | None = None
    drop_params: StrictBool | None = None


class Image(BaseModel):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class ImageUsage(BaseModel):
    images: int = 0
    """Images generated (and billed)."""
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    output_cost_usd: float = 0.0
    """Images at the catalog's per-image price for their quality and size."""
    total_cost_usd: float = 0.0
    latency_ms: float | None = None


class ImagesResponse(BaseModel):
    created: int
    data: list[Image]
    model: str
    provider: str | None = None
    size: str | None = None
    quality: str | None = None
    usage: ImageUsage

"""``POST /v1/audio/transcriptions``: the multipart request's fields and the JSON answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

ResponseFormat = Literal["json", "text", "srt", "verbose_json", "vtt"]


class TranscriptionRequest(BaseModel):
    """The form's fields (the file is read apart: ``media/multipart.py``)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    language: str | None = Field(default=None, min_length=2, max_length=8)
    prompt: str | None = None
    response_format: ResponseFormat = "json"
    temperature: float | None = Field(default=None, ge=0, le=1)
    timestamp_granularities: list[Literal["word", "segment"]] | None = None
    provider: str | None = None
    fallbacks: list[str] | None = None
    drop_params: StrictBool | None = None


class TranscriptionUsage(BaseModel):
    type: Literal["duration"] = "duration"
    seconds: float
    """Seconds of audio billed (the file's duration, at least the provider's minimum)."""
    input_tokens: int | None = None
    output_tokens: int | None = None
    input_cost_usd: float = 0.0
    total_cost_usd: float = 0.0
    latency_ms: float | None = None

"""``POST /v1/embeddings``: OpenAI's request and list response, with the gateway's cost fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

EmbeddingInput = str | list[str] | list[int] | list[list[int]]


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    input: EmbeddingInput
    """A string, a list of strings, or token ids (one list, or a list of lists) where the model takes them."""
    encoding_format: Literal["float", "base64"] = "float"
    """``base64``: each vector as little-endian float32 bytes, base64-encoded (the openai SDK's default)."""
    dimensions: int | None = Field(default=None, gt=0)
    user: str | None = None
    provider: str | None = None
    fallbacks: list[str] | None = None
    drop_params: StrictBool | None = None

    @field_validator("input")
    @classmethod
    def _not_empty(cls, value: EmbeddingInput) -> EmbeddingInput:
        if isinstance(value, list) and not value:
            raise ValueError("input must not be empty")
        if isinstance(value, list) and any(v == "" or v == [] for v in value):
            raise ValueError("input must not contain empty strings or empty token lists")
        if value == "":
            raise ValueError("input must not be empty")
        return value

    def inputs(self) -> list[str | list[int]]:
        """Each input in order: strings, or token-id lists."""
        value = self.input
        if isinstance(value, str):
            return [value]
        if value and all(isinstance(v, int) for v in value):
            return [list(value)]  # type: ignore[arg-type]  # one token list, checked just above
        return list(value)  # type: ignore[arg-type]  # str or list[int] items


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str
    """Floats, or base64 of little-endian float32 (``encoding_format: base64``)."""


class EmbeddingUsage(BaseModel):
    prompt_tokens: int = 0
    """Input tokens, as the provider counted them (billed at the model's input price)."""
    total_tokens: int = 0
    input_cost_usd: float = 0.0
    total_cost_usd: float = 0.0
    latency_ms: float | None = None


class EmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    provider: str | None = None
    usage: EmbeddingUsage

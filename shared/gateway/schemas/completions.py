"""The legacy text completion (POST /v1/completions), served through the chat path."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from gateway.schemas.chat import (
    STOP_SCHEMA,
    ChatCompletionRequest,
    Choices,
    OutputLimit,
    Penalty,
    Seed,
    StreamOptions,
    Temperature,
    TopP,
)
from gateway.schemas.usage import Usage


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="auto", min_length=1)
    """A catalog model, or `auto` (the default) to let the semantic router choose."""
    prompt: str | list[str] = Field(
        json_schema_extra={
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1},
            ]
        }
    )
    max_tokens: OutputLimit | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    n: Choices | None = None
    stream: StrictBool | None = False
    stream_options: StreamOptions | None = None
    stop: str | list[str] | None = Field(default=None, json_schema_extra=STOP_SCHEMA)
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    seed: Seed | None = None
    user: str | None = None
    suffix: str | None = Field(default=None, json_schema_extra={"anyOf": [{"const": ""}, {"type": "null"}]})
    """Not supported (chat models serve every completion): empty or absent."""
    echo: StrictBool | None = Field(
        default=None, json_schema_extra={"anyOf": [{"const": False}, {"type": "null"}]}
    )
    """Not supported: false or absent."""
    provider: str | None = None
    fallbacks: list[str] | None = Field(default=None, max_length=5)
    drop_params: StrictBool | None = None

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and len(v) != 1:
            raise ValueError("prompt must be a string or a list holding exactly one string")
        return v

    @field_validator("stop")
    @classmethod
    def _stop_at_most_four(cls, v: str | list[str] | None) -> str | list[str] | None:
        # As on chat: to_chat() would otherwise fail on it (a 500, found by schemathesis).
        if isinstance(v, list) and len(v) > 4:
            raise ValueError("stop takes at most 4 sequences")
        return v

    @field_validator("suffix", "echo")
    @classmethod
    def _unsupported(cls, v: object) -> object:
        if v:
            raise ValueError("is not supported by chat models, which serve every completion here")
        return v

    def to_chat(self) -> ChatCompletionRequest:
        """The same request as a one-message chat: every provider serves it the same way."""
        prompt = self.prompt if isinstance(self.prompt, str) else self.prompt[0]
        fields = self.model_dump(exclude={"prompt", "suffix", "echo"}, exclude_none=True)
        return ChatCompletionRequest(messages=[{"role": "user", "content": prompt}], **fields)


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: str | None = None
    logprobs: dict[str, Any] | None = None


class Completion(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage | None = None
    provider: str | None = None

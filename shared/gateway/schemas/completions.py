"""The legacy text completion (POST /v1/completions), served through the chat path."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.schemas.chat import (
    ChatCompletionRequest,
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

    model: str = Field(min_length=1)
    prompt: str | list[str]
    max_tokens: OutputLimit | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    n: int | None = Field(default=None, ge=1, le=16)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    stop: str | list[str] | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    seed: Seed | None = None
    user: str | None = None
    suffix: str | None = None
    echo: bool | None = None
    provider: str | None = None
    fallbacks: list[str] | None = Field(default=None, max_length=5)
    drop_params: bool | None = None

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and len(v) != 1:
            raise ValueError("prompt must be a string or a list holding exactly one string")
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

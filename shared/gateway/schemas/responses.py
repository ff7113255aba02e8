"""The Responses API (``/v1/responses``): the request, and the response object and its items.

Served by translating onto Chat Completions (``gateway.responses``), so only the fields that
translation can honour are accepted; every other field of OpenAI's API is a 400 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from gateway.schemas.chat import (
    NUMBER,
    Metadata,
    OutputLimit,
    ReasoningEffort,
    Temperature,
    TopP,
    Verbosity,
)
from gateway.schemas.usage import Usage


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reasoning(_Strict):
    effort: ReasoningEffort | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None
    """Accepted; the chat path returns no reasoning summary."""
    generate_summary: Literal["auto", "concise", "detailed"] | None = None


class TextFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    name: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    description: str | None = None
    strict: StrictBool | None = None


class TextConfig(_Strict):
    format: TextFormat | None = None
    verbosity: Verbosity | None = None


class StreamOptions(_Strict):
    include_obfuscation: StrictBool | None = None


ToolChoice = Annotated[
    str | dict[str, Any],
    Field(json_schema_extra={"anyOf": [{"enum": ["none", "auto", "required"]}, {"type": "object"}]}),
]


class ResponseCreateRequest(_Strict):
    """POST /v1/responses."""

    model: str = Field(default="auto", min_length=1)
    input: str | list[dict[str, Any]]
    """A user message, or input items: messages (text and image parts), ``function_call`` and
    ``function_call_output`` items."""
    instructions: str | None = None
    """A system message before the input; not carried over by ``previous_response_id``."""
    tools: list[dict[str, Any]] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: StrictBool | None = None
    max_output_tokens: OutputLimit | None = None
    max_tool_calls: Annotated[int, Field(ge=1), NUMBER] | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20), NUMBER] | None = None
    reasoning: Reasoning | None = None
    text: TextConfig | None = None
    metadata: Metadata | None = None
    store: StrictBool | None = None
    """Keep the response (the default, as at OpenAI) so that ``previous_response_id`` and
    ``GET /v1/responses/{id}`` find it."""
    previous_response_id: str | None = Field(default=None, min_length=1, max_length=128)
    stream: StrictBool | None = False
    stream_options: StreamOptions | None = None
    include: list[str] | None = None
    """Accepted; nothing extra is included."""
    truncation: Literal["auto", "disabled"] | None = None
    background: StrictBool | None = None
    """Only ``false``: background responses are not served."""
    user: str | None = None
    safety_identifier: str | None = Field(default=None, max_length=128)
    prompt_cache_key: str | None = Field(default=None, max_length=1024)
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    service_tier: Literal["auto", "default", "flex", "scale", "priority", "fast"] | None = None
    # Gateway extensions, as on chat.
    provider: str | None = None
    fallbacks: list[str] | None = Field(default=None, max_length=5)
    drop_params: StrictBool | None = None

    @field_validator("background")
    @classmethod
    def _not_in_background(cls, v: bool | None) -> bool | None:
        if v:
            raise ValueError("background responses are not supported by this gateway")
        return v


class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[dict[str, Any]] = []
    logprobs: list[dict[str, Any]] = []


class MessageItem(BaseModel):
    type: Literal["message"] = "message"
    id: str
    role: Literal["assistant"] = "assistant"
    status: Literal["in_progress", "completed", "incomplete"] = "completed"
    content: list[OutputText] = []


class FunctionCallItem(BaseModel):
    type: Literal["function_call"] = "function_call"
    id: str
    call_id: str
    name: str
    arguments: str = ""
    status: Literal["in_progress", "completed", "incomplete"] = "completed"


OutputItem = MessageItem | FunctionCallItem


class InputTokensDetails(BaseModel):
    cached_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class ResponseUsage(BaseModel):
    """Tokens as the Responses API counts them, and the gateway's cost fields (USD)."""

    input_tokens: int = 0
    input_tokens_details: InputTokensDetails = InputTokensDetails()
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails = OutputTokensDetails()
    total_tokens: int = 0
    input_cost_usd: float = 0.0
    output_cost_usd: float = 0.0
    cache_input_cost_usd: float = 0.0
    total_cost_usd: float = 0.0
    latency_ms: float | None = None
    ttft_ms: float | None = None

    @classmethod
    def of(cls, u: Usage) -> ResponseUsage:
        cached = u.prompt_tokens_details.cached_tokens if u.prompt_tokens_details else 0
        return cls(
            input_tokens=u.prompt_tokens,
            input_tokens_details=InputTokensDetails(cached_tokens=cached),
            output_tokens=u.completion_tokens,
            total_tokens=u.total_tokens,
            input_cost_usd=u.input_cost_usd,
            output_cost_usd=u.output_cost_usd,
            cache_input_cost_usd=u.cache_input_cost_usd,
            total_cost_usd=u.total_cost_usd,
            latency_ms=u.latency_ms,
            ttft_ms=u.ttft_ms,
        )


class ResponseObject(BaseModel):
    id: str
    object: Literal["response"] = "response"
    created_at: int
    status: Literal["in_progress", "completed", "incomplete", "failed"] = "completed"
    model: str
    output: list[OutputItem] = []
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    instructions: str | None = None
    max_output_tokens: int | None = None
    metadata: dict[str, str] = {}
    parallel_tool_calls: bool = True
    previous_response_id: str | None = None
    reasoning: dict[str, Any] = {}
    store: bool = True
    temperature: float | None = None
    text: dict[str, Any] = {}
    tool_choice: str | dict[str, Any] = "auto"
    tools: list[dict[str, Any]] = []
    top_p: float | None = None
    truncation: str = "disabled"
    usage: ResponseUsage | None = None
    user: str | None = None
    provider: str | None = None
    """The provider that served (a gateway field, as on chat)."""


class DeletedResponse(BaseModel):
    id: str
    object: Literal["response.deleted"] = "response.deleted"
    deleted: bool = True


class ResponseStreamEvent(BaseModel):
    """One event of a ``stream: true`` response (``gateway.responses.events``): its ``type``
    (``response.created``, ``response.output_text.delta``, ..., ``error``), its place in the
    stream, and the fields that type carries."""

    model_config = ConfigDict(extra="allow")

    type: str
    sequence_number: int

"""Chat completions: the request (every field of the seeds) and the response and chunk shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from gateway.schemas.usage import Usage

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]

MAX_OUTPUT_TOKENS = 1_000_000
"""A sanity ceiling on ``max_tokens``/``max_completion_tokens``, above every catalog model's
``max_output_tokens``; the target model's own limit is checked when the request is planned
(``catalog/params.check_output_limit``)."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _not_a_boolean(v: object) -> object:
    # pydantic's lax mode reads true as 1 and false as 0; a number field takes numbers only.
    if isinstance(v, bool):
        raise ValueError("must be a number, not a boolean")
    return v


NUMBER = BeforeValidator(_not_a_boolean)
"""Put on every numeric request field: ``true``/``false`` are refused, as the schema says."""
OutputLimit = Annotated[int, Field(ge=1, le=MAX_OUTPUT_TOKENS), NUMBER]
Temperature = Annotated[float, Field(ge=0, le=2, allow_inf_nan=False), NUMBER]
TopP = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NUMBER]
Penalty = Annotated[float, Field(ge=-2, le=2, allow_inf_nan=False), NUMBER]
Seed = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX), NUMBER]
Choices = Annotated[int, Field(ge=1, le=16), NUMBER]
TopLogprobs = Annotated[int, Field(ge=0, le=20), NUMBER]
STOP_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}, "maxItems": 4},
        {"type": "null"},
    ]
}
Bias = Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False), NUMBER]


class FunctionCall(BaseModel):
    name: str
    arguments: str = ""


class ToolCall(BaseModel):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class FunctionDef(BaseModel):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: StrictBool | None = None


class Tool(BaseModel):
    type: Literal["function"] = "function"
    function: FunctionDef


def _present(field: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": [field], "properties": {field: schema}}


_NOT_NULL: dict[str, Any] = {"not": {"type": "null"}}
_ROLE_RULES: dict[str, Any] = {
    # What _check_role_fields enforces, said in JSON Schema so that clients and fuzzers know it.
    "allOf": [
        {
            "if": _present("role", {"const": "tool"}),
            "then": _present("tool_call_id", {"type": "string", "minLength": 1}),
        },
        {
            "if": _present("role", {"const": "function"}),
            "then": _present("name", {"type": "string", "minLength": 1}),
        },
        {
            "if": _present("role", {"enum": ["system", "developer", "user"]}),
            "then": _present("content", _NOT_NULL),
        },
        {
            "if": _present("role", {"const": "assistant"}),
            "then": {
                "anyOf": [
                    _present("content", _NOT_NULL),
                    _present("tool_calls", {"type": "array", "minItems": 1}),
                    _present("function_call", {"type": "object"}),
                ]
            },
        },
    ]
}


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_ROLE_RULES)

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    function_call: FunctionCall | None = None

    @model_validator(mode="after")
    def _check_role_fields(self) -> Message:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a message with role 'tool' needs tool_call_id")
        if self.role == "function" and not self.name:
            raise ValueError("a message with role 'function' needs name")
        if self.role in ("system", "developer", "user") and self.content is None:
            raise ValueError(f"a message with role '{self.role}' needs content")
        if self.role == "assistant" and self.content is None and not (self.tool_calls or self.function_call):
            raise ValueError("an assistant message needs content, tool_calls or function_call")
        return self

    def text(self) -> str:
        """The message's text, content parts joined (images and audio contribute nothing)."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "".join(
            p.get("text", "") for p in self.content if isinstance(p, dict) and p.get("type") == "text"
        )


class StreamOptions(BaseModel):
    include_usage: StrictBool | None = None


class ChatCompletionRequest(BaseModel):
    """POST /v1/chat/completions. Unknown fields are refused by name, never silently dropped."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="auto", min_length=1)
    """A catalog model id or alias; ``auto`` (the default, as in Pura) lets the router choose."""
    messages: list[Message] = Field(min_length=1)
    max_tokens: OutputLimit | None = None
    max_completion_tokens: OutputLimit | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    n: Choices | None = None
    stream: StrictBool | None = False
    stream_options: StreamOptions | None = None
    stop: str | list[str] | None = Field(default=None, json_schema_extra=STOP_SCHEMA)
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    logit_bias: dict[str, Bias] | None = Field(default=None, max_length=300)
    """Token id -> bias in [-100, 100], at most 300 entries (OpenAI's limits)."""
    logprobs: StrictBool | None = None
    top_logprobs: TopLogprobs | None = None
    seed: Seed | None = None
    user: str | None = None
    response_format: dict[str, Any] | None = None
    tools: list[Tool] | None = None
    tool_choice: str | dict[str, Any] | None = Field(
        default=None,
        json_schema_extra={
            "anyOf": [{"enum": ["none", "auto", "required"]}, {"type": "object"}, {"type": "null"}]
        },
    )
    parallel_tool_calls: StrictBool | None = None
    functions: list[FunctionDef] | None = None
    function_call: str | dict[str, Any] | None = None
    # Gateway extensions (the Lunar seed): force a provider, fall back to other models.
    provider: str | None = None
    fallbacks: list[str] | None = Field(default=None, max_length=5)
    drop_params: StrictBool | None = None
    # The PurAI seed's fields.
    personality: str | None = Field(default=None, min_length=1, max_length=64)
    """A personality's id (``GET /v1/personalities``): its system prompt and defaults apply."""
    primaryProvider: str | None = Field(default=None, min_length=1, max_length=64)  # the seed's name
    """Try this provider first, then fail over to the others (``provider`` pins instead)."""
    disableErrorSummarization: StrictBool | None = None  # the seed's name
    """When every provider failed: the error's message lists the records tersely instead of
    summarizing them for a person."""

    @field_validator("stop")
    @classmethod
    def _stop_at_most_four(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and len(v) > 4:
            raise ValueError("stop takes at most 4 sequences")
        return v

    @field_validator("tool_choice")
    @classmethod
    def _tool_choice_shape(cls, v: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if isinstance(v, str) and v not in ("none", "auto", "required"):
            raise ValueError("tool_choice must be 'none', 'auto', 'required' or an object naming a function")
        return v

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)

    def output_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    function_call: FunctionCall | None = None
    refusal: str | None = None


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: str | None = None
    logprobs: dict[str, Any] | None = None


class ErrorRecordResponse(BaseModel):
    status: int | None = None
    data: Any = None


class ErrorRecord(BaseModel):
    """One failed attempt, as the PurAI seed's ``records`` hold it (the message sanitized)."""

    provider: str | None = None
    response: ErrorRecordResponse
    status: int | None = None
    code: str | None = None
    message: str | None = None


class AttemptErrors(BaseModel):
    message: str
    records: list[ErrorRecord]


class AttemptCache(BaseModel):
    """The PurAI seed's ``cache``: present when attempts failed before one succeeded."""

    status: int = 500
    error: AttemptErrors


class CalledFunction(BaseModel):
    """A function the conversation called (``name``/``arguments``) or its result (``role: function``)."""

    name: str
    arguments: str | None = None
    role: Literal["function"] | None = None
    content: str | None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    provider: str | None = None
    system_fingerprint: str | None = None
    # The PurAI seed's fields.
    overwritten: bool | None = None
    """Whether the gateway changed the model or parameters (a fallback model, dropped
    parameters, a personality's defaults)."""
    cache: AttemptCache | None = None
    calledFunctions: list[list[CalledFunction]] | None = None  # the seed's name
    """Function calls of the conversation, each with its result where the request carried it."""


class FunctionCallDelta(BaseModel):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(BaseModel):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: FunctionCallDelta | None = None


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None
    function_call: FunctionCallDelta | None = None
    refusal: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: str | None = None
    logprobs: dict[str, Any] | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    provider: str | None = None
    system_fingerprint: str | None = None
    overwritten: bool | None = None
    cache: AttemptCache | None = None

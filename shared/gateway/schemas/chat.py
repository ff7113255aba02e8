"""Chat completions: the request (every field of the seeds) and the response and chunk shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
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
                    _present("refusal", {"type": "string"}),
                    _present("audio", {"type": "object"}),
                ]
            },
        },
    ]
}


class AssistantAudio(BaseModel):
    """A previous audio answer, referred to by id (``null`` or ``{}`` from a round trip is accepted)."""

    id: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_ROLE_RULES)

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    function_call: FunctionCall | None = None
    # What the openai SDK's ``message.model_dump()`` carries back on an assistant turn.
    refusal: str | None = None
    annotations: list[dict[str, Any]] | None = None
    audio: AssistantAudio | None = None

    @model_validator(mode="after")
    def _check_role_fields(self) -> Message:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a message with role 'tool' needs tool_call_id")
        if self.role == "function" and not self.name:
            raise ValueError("a message with role 'function' needs name")
        if self.role in ("system", "developer", "user") and self.content is None:
            raise ValueError(f"a message with role '{self.role}' needs content")
        said = self.content is not None or self.refusal is not None or self.audio is not None
        if self.role == "assistant" and not (said or self.tool_calls or self.function_call):
            raise ValueError("an assistant message needs content, refusal, tool_calls or function_call")
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


def tool_choice_object(v: dict[str, Any]) -> None:
    """Raise ``ValueError`` unless ``v`` is ``{"type": "function", "function": {"name": str}}`` or
    ``{"type": "allowed_tools", "allowed_tools": {"mode": "auto"|"required", "tools": [...]}}``."""
    kind = v.get("type")
    if kind == "function":
        fn = v.get("function")
        if set(v) != {"type", "function"} or not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ValueError('a function tool_choice is {"type": "function", "function": {"name": "..."}}')
    elif kind == "allowed_tools":
        allowed = v.get("allowed_tools")
        if (
            set(v) != {"type", "allowed_tools"}
            or not isinstance(allowed, dict)
            or allowed.get("mode") not in ("auto", "required")
            or not isinstance(allowed.get("tools"), list)
            or not all(isinstance(t, dict) and t.get("type") == "function" for t in allowed["tools"])
        ):
            raise ValueError(
                'allowed_tools is {"mode": "auto"|"required", "tools": [{"type": "function", "function": {"name": ...}}]}'
            )
    else:
        raise ValueError(
            "tool_choice objects have type 'function' or 'allowed_tools' (custom tools are not served)"
        )


ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
Verbosity = Literal["low", "medium", "high"]
MetadataKey = Annotated[str, Field(max_length=64)]
MetadataValue = Annotated[str, Field(max_length=512)]
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=16)]
"""OpenAI's metadata: at most 16 pairs, keys up to 64 characters, values up to 512."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AudioOutput(_Strict):
    """``audio``: the voice and format of a spoken answer (with ``modalities: ["text", "audio"]``)."""

    format: Literal["wav", "aac", "mp3", "flac", "opus", "pcm16"]
    voice: str | dict[str, str]


class Prediction(_Strict):
    """Predicted Output: text the answer is expected to repeat."""

    type: Literal["content"]
    content: str | list[dict[str, Any]]


class ModerationConfig(_Strict):
    model: str
    policy: dict[str, Any] | None = None


class PromptCacheOptions(_Strict):
    mode: Literal["implicit", "explicit"] | None = None
    ttl: Literal["30m"] | None = None


class ApproximateLocation(_Strict):
    city: str | None = None
    country: str | None = None
    region: str | None = None
    timezone: str | None = None


class UserLocation(_Strict):
    type: Literal["approximate"]
    approximate: ApproximateLocation


class WebSearchOptions(_Strict):
    search_context_size: Literal["low", "medium", "high"] | None = None
    user_location: UserLocation | None = None


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
    # Today's OpenAI fields (issue 15). catalog/params.py says which a target takes, maps or drops.
    audio: AudioOutput | None = None
    metadata: Metadata | None = None
    modalities: list[Literal["text", "audio"]] | None = Field(default=None, min_length=1, max_length=2)
    moderation: ModerationConfig | None = None
    prediction: Prediction | None = None
    prompt_cache_key: str | None = Field(default=None, max_length=1024)
    prompt_cache_options: PromptCacheOptions | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    reasoning_effort: ReasoningEffort | None = None
    safety_identifier: str | None = Field(default=None, max_length=128)
    service_tier: Literal["auto", "default", "flex", "scale", "priority", "fast"] | None = None
    store: StrictBool | None = None
    verbosity: Verbosity | None = None
    web_search_options: WebSearchOptions | None = None
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
    def _tool_choice_shape(
        cls, v: str | dict[str, Any] | None, info: ValidationInfo
    ) -> str | dict[str, Any] | None:
        if isinstance(v, str) and v not in ("none", "auto", "required"):
            raise ValueError("tool_choice must be 'none', 'auto', 'required' or an object naming a function")
        if isinstance(v, dict):
            tool_choice_object(v)
            tools: list[Tool] | None = info.data.get("tools")
            if v["type"] == "function" and tools is not None:
                name = v["function"]["name"]
                if name not in {t.function.name for t in tools}:
                    raise ValueError(f"it names function `{name}`, which is not in tools")
        return v

    @model_validator(mode="after")
    def _allowed_tools(self) -> ChatCompletionRequest:
        choice = self.tool_choice
        if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
            # Said the plain way every provider takes: only the listed tools, then the mode.
            allowed = choice["allowed_tools"]
            names = {(t.get("function") or {}).get("name") for t in allowed["tools"]}
            self.tools = [t for t in self.tools or () if t.function.name in names] or None
            self.tool_choice = allowed["mode"] if self.tools else "none"
        return self

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
    annotations: list[dict[str, Any]] | None = None


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

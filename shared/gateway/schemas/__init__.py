"""Wire shapes, defined once: FastAPI validates with them, adapters return them, tests build from them."""

from gateway.schemas.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    Delta,
    FunctionCall,
    Message,
    ResponseMessage,
    ToolCall,
    ToolCallDelta,
)
from gateway.schemas.completions import Completion, CompletionChoice, CompletionRequest
from gateway.schemas.usage import Usage

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "Choice",
    "ChunkChoice",
    "Completion",
    "CompletionChoice",
    "CompletionRequest",
    "Delta",
    "FunctionCall",
    "Message",
    "ResponseMessage",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
]

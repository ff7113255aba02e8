"""The one shape every provider adapter has, and the values passed across it.

An adapter is four pure transforms: no I/O, no clock, no environment, no logging. The
transport (``transport.py``) does the I/O; ``gateway.completion.chat`` strings them together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from gateway.accounting.usage import RawUsage

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.schemas import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest


@dataclass(slots=True)
class ProviderRequest:
    """What to send. HTTP providers fill method/url/headers/json; Bedrock fills ``operation``/``kwargs``."""

    method: str = "POST"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    stream: bool = False
    operation: str | None = None
    kwargs: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    """Multipart file fields (name -> (filename, bytes, content type)); ``data`` its text fields."""
    data: dict[str, str | list[str]] | None = None
    text: bool = False
    """The answer may be plain text (a transcript as text/srt/vtt): kept whole, not truncated."""


@dataclass(slots=True)
class ProviderResult:
    completion: ChatCompletion
    usage: RawUsage


@dataclass(slots=True)
class SSEEvent:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass(slots=True)
class StreamState:
    """Per-stream state an adapter keeps between events (created by the caller, one per attempt)."""

    id: str
    model: str
    created: int
    usage: RawUsage = field(default_factory=RawUsage)
    finish_reason: str | None = None
    tool_calls: dict[Any, int] = field(default_factory=dict)
    """Provider's tool-call key (id or block index) -> OpenAI tool_calls index."""
    extra: dict[str, Any] = field(default_factory=dict)
    done: bool = False


class Adapter(Protocol):
    id: str

    def build_request(self, request: ChatCompletionRequest, target: Target) -> ProviderRequest: ...

    def parse_response(self, body: Any, target: Target) -> ProviderResult: ...

    def parse_stream_event(self, event: SSEEvent, state: StreamState) -> list[ChatCompletionChunk]:
        """One decoded event (an ``SSEEvent``; for Bedrock, the event dict botocore decoded) -> chunks."""
        ...

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError: ...
